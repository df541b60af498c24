//! slotscope-sim: a Redis Cluster 7.0 simulation core.
//!
//! Every node keeps its own view (slot owners, migration states, keyspace, epochs),
//! connections keep their own state (ASKING, MULTI), and every command is answered
//! with the exact reply a real Redis 7.0 node gives. The core knows nothing of the
//! browser: the web UI and the native tests drive the same code.

pub mod argv;
pub mod client;
pub mod cluster;
mod command;
mod command_cluster;
mod command_data;
mod command_migrate;
#[cfg(feature = "all-commands")]
mod command_server;
pub mod compare;
pub mod exchange;
pub mod explain;
pub mod import;
pub mod json;
pub mod keyslot;
pub mod keyspace;
pub mod layout;
pub mod link;
pub mod node;
pub mod policy;
pub mod query;
pub mod resp;
mod routing;
pub mod script;
pub mod slot_overview;
pub mod slotset;
pub mod smart_client;
pub mod timeline;
mod topology;
pub mod tour;
pub mod transcript;
pub mod world;

pub use cluster::{Cluster, ConnId, NodeIdx};
pub use resp::{Proto, Reply};
