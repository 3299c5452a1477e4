//! tejun's execution side: from a checked [`tejun_grammar::Runbook`] and parameter values to a
//! [`Plan`](plan::Plan) of what will run.

pub mod event;
pub mod execute;
pub mod history;
pub mod host;
pub mod inventory;
pub mod journal;
pub mod lock;
pub mod params;
pub mod plan;
pub mod redact;
pub mod remote;
mod sink;
pub mod syntax;
pub mod window;

pub use params::{ParamError, ParamValues};
pub use plan::{Plan, plan};
pub use redact::Redactor;
