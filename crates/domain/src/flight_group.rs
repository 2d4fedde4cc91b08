//! Flight groups: the customers a flight is offered to. The real API has no calls for them
//! (they are managed in Partner Center); storeroom manages them through its admin API.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlightGroup {
    /// Numeric string, as Partner Center's group ids are.
    pub id: String,
    pub name: String,
    /// User ids (the store front's `userId`).
    pub members: Vec<String>,
}

/// A group's name and members as the admin API receives them.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupRequest {
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
}

impl GroupRequest {
    pub fn into_group(self, id: String) -> DomainResult<FlightGroup> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err(DomainError::invalid("name must not be empty", "name"));
        }
        let mut members: Vec<String> = Vec::with_capacity(self.members.len());
        for (index, member) in self.members.into_iter().enumerate() {
            let member = member.trim().to_string();
            if member.is_empty() {
                return Err(DomainError::invalid(
                    format!("members[{index}] must not be empty"),
                    format!("members[{index}]"),
                ));
            }
            if !members.contains(&member) {
                members.push(member);
            }
        }
        Ok(FlightGroup { id, name, members })
    }
}
