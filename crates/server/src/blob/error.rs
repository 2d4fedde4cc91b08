//! Storage-service errors and their XML rendering (research notes B.2).

use std::borrow::Cow;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use quick_xml::escape::partial_escape as escape;

/// One Azure Storage error: status, `x-ms-error-code`, message stem and detail elements.
#[derive(Debug, Clone)]
pub(crate) struct BlobError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Cow<'static, str>,
    pub details: Vec<(&'static str, String)>,
}

impl BlobError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    #[must_use]
    pub fn with(mut self, element: &'static str, value: impl Into<String>) -> Self {
        self.details.push((element, value.into()));
        self
    }

    /// The XML body: a UTF-8 BOM, then the document exactly as the real service writes it,
    /// the request id and time appended to the message.
    pub fn to_xml(&self, request_id: &str, time: DateTime<Utc>) -> Vec<u8> {
        let mut xml =
            String::from("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>");
        xml.push_str(self.code);
        xml.push_str("</Code><Message>");
        xml.push_str(&escape(self.message.as_ref()));
        xml.push_str("\nRequestId:");
        xml.push_str(&escape(request_id));
        xml.push_str("\nTime:");
        xml.push_str(&error_time(time));
        xml.push_str("</Message>");
        for (element, value) in &self.details {
            xml.push('<');
            xml.push_str(element);
            xml.push('>');
            xml.push_str(&escape(value.as_str()));
            xml.push_str("</");
            xml.push_str(element);
            xml.push('>');
        }
        xml.push_str("</Error>");
        xml.into_bytes()
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        )
    }

    pub fn blob_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
        )
    }

    pub fn blob_already_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "BlobAlreadyExists",
            "The specified blob already exists.",
        )
    }

    pub fn condition_not_met(status: StatusCode) -> Self {
        Self::new(
            status,
            "ConditionNotMet",
            "The condition specified using HTTP conditional header(s) is not met.",
        )
    }

    pub fn authentication_failed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        )
        .with("AuthenticationErrorDetail", detail)
    }

    pub fn no_authentication() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "NoAuthenticationInformation",
            "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
        )
    }

    pub fn permission_mismatch() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        )
    }

    pub fn resource_type_mismatch() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthorizationResourceTypeMismatch",
            "This request is not authorized to perform this operation using this resource type.",
        )
    }

    pub fn protocol_mismatch() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthorizationProtocolMismatch",
            "This request is not authorized to perform this operation using this protocol.",
        )
    }

    pub fn source_ip_mismatch(ip: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthorizationSourceIPMismatch",
            format!(
                "This request is not authorized to perform this operation using this source IP {ip}."
            ),
        )
    }

    pub fn missing_header(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified.",
        )
        .with("HeaderName", name)
    }

    pub fn invalid_header(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidHeaderValue",
            "The value for one of the HTTP headers is not in the correct format.",
        )
        .with("HeaderName", name)
        .with("HeaderValue", value)
    }

    pub fn missing_content_length() -> Self {
        Self::new(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLengthHeader",
            "Length Required",
        )
    }

    pub fn missing_query(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
        )
        .with("QueryParameterName", name)
    }

    pub fn invalid_query(name: &str, value: &str, reason: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
        )
        .with("QueryParameterName", name)
        .with("QueryParameterValue", value)
        .with("Reason", reason)
    }

    pub fn unsupported_query(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedQueryParameter",
            "One of the query parameters specified in the request URI is not supported.",
        )
        .with("QueryParameterName", name)
        .with("QueryParameterValue", value)
    }

    pub fn out_of_range_input() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "OutOfRangeInput",
            "One of the request inputs is out of range.",
        )
    }

    pub fn unsupported_verb() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "UnsupportedHttpVerb",
            "The resource doesn't support specified Http Verb.",
        )
    }

    pub fn invalid_uri() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidUri",
            "The requested URI does not represent any resource on the server.",
        )
    }

    pub fn md5_mismatch(user: &str, server: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Md5Mismatch",
            "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
        )
        .with("UserSpecifiedMd5", user)
        .with("ServerCalculatedMd5", server)
    }

    pub fn invalid_md5() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidMd5",
            "The MD5 value specified in the request is invalid. The MD5 value must be 128 bits and Base64-encoded.",
        )
    }

    pub fn both_crc64_and_md5() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BothCrc64AndMd5HeaderPresent",
            "Both x-ms-content-crc64 header and Content-MD5 header are present.",
        )
    }

    pub fn length_mismatch(received: u64, declared: u64) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidOperation",
            format!(
                "The size of the request body {received} mismatches the content-length {declared}."
            ),
        )
    }

    pub fn body_too_large(max: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestBodyTooLarge",
            "The request body is too large and exceeds the maximum permissible limit.",
        )
        .with("MaxLimit", max.to_string())
    }

    pub fn invalid_block_list() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidBlockList",
            "The specified block list is invalid.",
        )
    }

    pub fn invalid_blob_or_block() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidBlobOrBlock",
            "The specified blob or block content is invalid.",
        )
    }

    pub fn block_count_exceeded() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "BlockCountExceedsLimit",
            "The committed block count cannot exceed the maximum limit of 50,000 blocks.",
        )
    }

    pub fn invalid_xml() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidXmlDocument",
            "XML specified is not syntactically valid.",
        )
    }

    pub fn invalid_range() -> Self {
        Self::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The range specified is invalid for the current size of the resource.",
        )
    }
}

/// `2026-07-09T12:51:16.9150158Z`: seven fractional digits, as .NET prints them.
pub(crate) fn error_time(time: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        time.format("%Y-%m-%dT%H:%M:%S"),
        time.timestamp_subsec_nanos() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn xml_matches_the_service_layout() {
        let time = Utc
            .with_ymd_and_hms(2026, 7, 9, 12, 51, 16)
            .single()
            .expect("valid time")
            + chrono::Duration::nanoseconds(915_015_800);
        let xml = BlobError::missing_header("x-ms-blob-type").to_xml("id-1", time);
        let text = String::from_utf8(xml).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>MissingRequiredHeader</Code>\
             <Message>An HTTP header that's mandatory for this request is not specified.\n\
             RequestId:id-1\nTime:2026-07-09T12:51:16.9150158Z</Message>\
             <HeaderName>x-ms-blob-type</HeaderName></Error>"
        );
    }
}
