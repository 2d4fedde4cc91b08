//! Packages and listing media: uploads, processing, and what processing refuses.
