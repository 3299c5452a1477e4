//! tejun's execution side: from a checked [`tejun_grammar::Runbook`] and parameter values to a
//! [`Plan`](plan::Plan) of what will run.

pub mod host;
pub mod params;
pub mod plan;

pub use params::{ParamError, ParamValues};
pub use plan::{Plan, plan};
