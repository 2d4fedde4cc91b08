//! Every operation of the ingestion API (partner-ingestion.md §3), decoded once from the
//! method and the path below `/v1.0/ingestion`: literals and function names match in any
//! case, function segments (`getByModule(module=Listing)`) are read after percent-decoding,
//! ids keep their case.

use axum::http::Method;
use percent_encoding::percent_decode_str;
use storeroom_domain::ingestion::edits::Kind;

/// Path ids: product, plan, instance, resource, submission.
type Id = String;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    ListProducts,
    CreateProduct,
    GetProduct(Id),
    DeleteProduct(Id),
    GetSetup(Id),
    PostSetup(Id),
    Branches(Id, String),
    ListVariants(Id),
    CreateVariant(Id),
    GetVariant(Id, Id),
    PutVariant(Id, Id),
    DeleteVariant(Id, Id),
    /// `{kind}/getByInstanceID(instanceID=…)`
    InstanceResources(Id, Kind, Id),
    CreateListing(Id, Id),
    /// The offer-level drafts of a kind (`GET properties`).
    DraftResources(Id, Kind),
    CreateOfferResource(Id, Kind),
    GetResource(Id, Kind, Id),
    PutResource(Id, Kind, Id),
    DeleteListing(Id, Id),
    ListMedia(Id, Id, Kind),
    CreateMedium(Id, Id, Kind),
    GetMedium(Id, Id, Id, Kind),
    PutMedium(Id, Id, Id, Kind),
    DeleteMedium(Id, Id, Id, Kind),
    ListPackages(Id),
    CreatePackage(Id),
    GetPackage(Id, Id),
    PutPackage(Id, Id),
    DeletePackage(Id, Id),
    GetReseller(Id),
    PostReseller(Id),
    GetLead(Id),
    PostLead(Id),
    /// Supplemental content and the co-sell listing, addressed by instance id.
    GetInstanceResource(Id, Kind, Id),
    PutInstanceResource(Id, Kind, Id),
    CommitSupplemental(Id, Id),
    ListCosellAssets(Id),
    CreateCosellAsset(Id),
    GetCosellAsset(Id, Id),
    PutCosellAsset(Id, Id),
    DeleteCosellAsset(Id, Id),
    ListSubmissions(Id),
    CreateSubmission(Id),
    GetSubmission(Id, Id),
    CancelSubmission(Id, Id),
    Promote(Id, Id),
    Reports(Id, Id),
    Validations(Id, Id),
    WorkflowDetails(Id, Id),
}

/// Why a request names no operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Miss {
    NotFound,
    /// The path is known; these methods are.
    MethodNotAllowed(Vec<Method>),
    /// A segment is not UTF-8 once decoded, or a function segment is malformed.
    BadSegment(String),
}

/// A function-style segment: `name(param=value)`, name and param lower-cased.
struct Function {
    name: String,
    param: String,
    value: String,
}

fn function(segment: &str) -> Option<Function> {
    let open = segment.find('(')?;
    let inner = segment[open + 1..].strip_suffix(')')?;
    let (param, value) = inner.split_once('=')?;
    let value = value.trim();
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    Some(Function {
        name: segment[..open].trim().to_ascii_lowercase(),
        param: param.trim().to_ascii_lowercase(),
        value: value.to_string(),
    })
}

/// The value of `name(param=…)` when `segment` is that function.
fn call(segment: &str, name: &str, param: &str) -> Option<String> {
    function(segment)
        .filter(|f| f.name == name && f.param == param)
        .map(|f| f.value)
}

fn by_instance(segment: &str) -> Option<String> {
    call(segment, "getbyinstanceid", "instanceid")
}

/// The media kind of a listing sub-collection.
fn media(segment: &str) -> Option<Kind> {
    match segment {
        "images" => Some(Kind::Image),
        "videos" => Some(Kind::Video),
        "assets" => Some(Kind::Asset),
        _ => None,
    }
}

/// Decodes the path segments after `/v1.0/ingestion` (still percent-encoded) and the
/// method into an operation.
pub fn decode(method: &Method, encoded: &[&str]) -> Result<Op, Miss> {
    let mut segments = Vec::with_capacity(encoded.len());
    for raw in encoded {
        let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
            Miss::BadSegment(format!("The path segment '{raw}' is not valid UTF-8"))
        })?;
        segments.push(decoded.into_owned());
    }
    let candidates = candidates(&segments).ok_or(Miss::NotFound)?;
    let allowed: Vec<Method> = candidates.iter().map(|(m, _)| m.clone()).collect();
    candidates
        .into_iter()
        .find(|(m, _)| m == method)
        .map(|(_, op)| op)
        .ok_or(Miss::MethodNotAllowed(allowed))
}

/// The operations served at a path, by method.
fn candidates(segments: &[String]) -> Option<Vec<(Method, Op)>> {
    use Method as M;
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let s = segments;
    if l.first() != Some(&"products") {
        return None;
    }
    if l.len() == 1 {
        return Some(vec![
            (M::GET, Op::ListProducts),
            (M::POST, Op::CreateProduct),
        ]);
    }
    let p = s[1].clone();
    let rest = &l[2..];
    let at = |i: usize| s[2 + i].clone();
    let ops = match rest {
        [] => vec![
            (M::GET, Op::GetProduct(p.clone())),
            (M::DELETE, Op::DeleteProduct(p)),
        ],
        ["setup"] => vec![
            (M::GET, Op::GetSetup(p.clone())),
            (M::POST, Op::PostSetup(p)),
        ],
        ["branches", _] => {
            let module = call(&s[3], "getbymodule", "module")?;
            vec![(M::GET, Op::Branches(p, module))]
        }
        ["variants"] => vec![
            (M::GET, Op::ListVariants(p.clone())),
            (M::POST, Op::CreateVariant(p)),
        ],
        ["variants", _] => {
            let v = at(1);
            vec![
                (M::GET, Op::GetVariant(p.clone(), v.clone())),
                (M::PUT, Op::PutVariant(p.clone(), v.clone())),
                (M::DELETE, Op::DeleteVariant(p, v)),
            ]
        }
        ["listings", _] => {
            let seg = &s[3];
            if let Some(iid) = by_instance(seg) {
                vec![(M::GET, Op::InstanceResources(p, Kind::Listing, iid))]
            } else if let Some(iid) = call(seg, "createwithinstanceid", "instanceid") {
                vec![(M::POST, Op::CreateListing(p, iid))]
            } else {
                let id = at(1);
                vec![
                    (
                        M::GET,
                        Op::GetResource(p.clone(), Kind::Listing, id.clone()),
                    ),
                    (
                        M::PUT,
                        Op::PutResource(p.clone(), Kind::Listing, id.clone()),
                    ),
                    (M::DELETE, Op::DeleteListing(p, id)),
                ]
            }
        }
        ["listings", _, kind] => {
            let kind = media(kind)?;
            let lid = at(1);
            vec![
                (M::GET, Op::ListMedia(p.clone(), lid.clone(), kind)),
                (M::POST, Op::CreateMedium(p, lid, kind)),
            ]
        }
        ["listings", _, kind, _] => {
            let kind = media(kind)?;
            let (lid, id) = (at(1), at(3));
            vec![
                (
                    M::GET,
                    Op::GetMedium(p.clone(), lid.clone(), id.clone(), kind),
                ),
                (
                    M::PUT,
                    Op::PutMedium(p.clone(), lid.clone(), id.clone(), kind),
                ),
                (M::DELETE, Op::DeleteMedium(p, lid, id, kind)),
            ]
        }
        [collection] => match *collection {
            "properties" => offer_collection(p, Kind::Property),
            "productavailabilities" => offer_collection(p, Kind::ProductAvailability),
            "packages" => vec![
                (M::GET, Op::ListPackages(p.clone())),
                (M::POST, Op::CreatePackage(p)),
            ],
            "resellerconfiguration" => vec![
                (M::GET, Op::GetReseller(p.clone())),
                (M::POST, Op::PostReseller(p)),
            ],
            "leadconfiguration" => {
                vec![(M::GET, Op::GetLead(p.clone())), (M::POST, Op::PostLead(p))]
            }
            "cosellassets" => vec![
                (M::GET, Op::ListCosellAssets(p.clone())),
                (M::POST, Op::CreateCosellAsset(p)),
            ],
            "submissions" => vec![
                (M::GET, Op::ListSubmissions(p.clone())),
                (M::POST, Op::CreateSubmission(p)),
            ],
            _ => return None,
        },
        [collection, _] => {
            let seg = &s[3];
            let id = at(1);
            let kind = match *collection {
                "properties" => Some(Kind::Property),
                "productavailabilities" => Some(Kind::ProductAvailability),
                "featureavailabilities" => Some(Kind::FeatureAvailability),
                "packageconfigurations" => Some(Kind::PackageConfiguration),
                _ => None,
            };
            if let Some(kind) = kind {
                match by_instance(seg) {
                    Some(iid) => vec![(M::GET, Op::InstanceResources(p, kind, iid))],
                    None => vec![
                        (M::GET, Op::GetResource(p.clone(), kind, id.clone())),
                        (M::PUT, Op::PutResource(p, kind, id)),
                    ],
                }
            } else {
                match *collection {
                    "packages" => vec![
                        (M::GET, Op::GetPackage(p.clone(), id.clone())),
                        (M::PUT, Op::PutPackage(p.clone(), id.clone())),
                        (M::DELETE, Op::DeletePackage(p, id)),
                    ],
                    "supplementalcontents" | "coselllisting" => {
                        let kind = if *collection == "coselllisting" {
                            Kind::CosellListing
                        } else {
                            Kind::SupplementalContent
                        };
                        match by_instance(seg) {
                            Some(iid) => vec![(M::GET, Op::InstanceResources(p, kind, iid))],
                            None => vec![
                                (M::GET, Op::GetInstanceResource(p.clone(), kind, id.clone())),
                                (M::PUT, Op::PutInstanceResource(p, kind, id)),
                            ],
                        }
                    }
                    "cosellassets" => match by_instance(seg) {
                        // Co-sell assets are product-level: every instance sees them all.
                        Some(_) => vec![(M::GET, Op::ListCosellAssets(p))],
                        None => vec![
                            (M::GET, Op::GetCosellAsset(p.clone(), id.clone())),
                            (M::PUT, Op::PutCosellAsset(p.clone(), id.clone())),
                            (M::DELETE, Op::DeleteCosellAsset(p, id)),
                        ],
                    },
                    "submissions" => vec![
                        (M::GET, Op::GetSubmission(p.clone(), id.clone())),
                        (M::DELETE, Op::CancelSubmission(p, id)),
                    ],
                    _ => return None,
                }
            }
        }
        ["supplementalcontents", _, "commit"] => vec![(M::POST, Op::CommitSupplemental(p, at(1)))],
        ["submissions", _, action] => {
            let sid = at(1);
            match *action {
                "promote" => vec![(M::POST, Op::Promote(p, sid))],
                "reports" => vec![(M::GET, Op::Reports(p, sid))],
                "validations" => vec![(M::GET, Op::Validations(p, sid))],
                "workflowdetails" => vec![(M::GET, Op::WorkflowDetails(p, sid))],
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(ops)
}

fn offer_collection(p: Id, kind: Kind) -> Vec<(Method, Op)> {
    vec![
        (Method::GET, Op::DraftResources(p.clone(), kind)),
        (Method::POST, Op::CreateOfferResource(p, kind)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, path: &str) -> Result<Op, Miss> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        decode(&method, &segments)
    }

    #[test]
    fn literals_and_functions_in_any_case() {
        assert_eq!(
            op(
                Method::GET,
                "Products/P1/Branches/getByModule%28module%3D%27Listing%27%29"
            ),
            Ok(Op::Branches("P1".into(), "Listing".into()))
        );
        assert_eq!(
            op(
                Method::GET,
                "products/P1/packageConfigurations/GETBYINSTANCEID(instanceID=abc)"
            ),
            Ok(Op::InstanceResources(
                "P1".into(),
                Kind::PackageConfiguration,
                "abc".into()
            ))
        );
        assert_eq!(
            op(Method::PUT, "products/p/featureavailabilities/Fa"),
            Ok(Op::PutResource(
                "p".into(),
                Kind::FeatureAvailability,
                "Fa".into()
            ))
        );
        assert_eq!(
            op(
                Method::POST,
                "products/p/listings/createWithInstanceID(instanceID=i)"
            ),
            Ok(Op::CreateListing("p".into(), "i".into()))
        );
        assert_eq!(
            op(Method::DELETE, "products/p/listings/l/Images/i"),
            Ok(Op::DeleteMedium(
                "p".into(),
                "l".into(),
                "i".into(),
                Kind::Image
            ))
        );
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert_eq!(op(Method::GET, "nothing"), Err(Miss::NotFound));
        assert_eq!(
            op(Method::GET, "products/p/listings/l/movies"),
            Err(Miss::NotFound)
        );
        assert_eq!(
            op(Method::PATCH, "products/p/setup"),
            Err(Miss::MethodNotAllowed(vec![Method::GET, Method::POST]))
        );
        assert!(matches!(
            op(Method::GET, "products/%ff"),
            Err(Miss::BadSegment(_))
        ));
    }
}
