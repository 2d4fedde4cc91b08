//! The integration suite: real storeroom servers on 127.0.0.1:0, driven over HTTP as users
//! drive them. One test binary with a module per area (rather than a binary per file), so
//! the suite links once: every test binary carries the whole server, and twenty of them
//! cost minutes of linking and gigabytes of disk.

mod common;

mod aad;
mod accounts;
mod addons;
mod cli;
mod crash;
mod dashboard;
mod dashboard_browser;
mod dashboard_ops;
mod devcenter;
mod drain;
mod faithful;
mod faults;
mod flights;
mod hardening;
mod identities;
mod instances;
mod journal;
mod js_sdk;
mod leniency;
mod msi;
mod msi_node_sample;
mod msi_rules;
mod object_store;
mod openapi;
mod ops;
mod outcomes;
mod packages;
mod partner;
mod pipeline;
mod publish_modes;
mod python_sdk;
mod reset;
mod rollout;
mod rules;
mod seed;
mod snapshots;
mod storefront;
mod survival;
mod tls;
