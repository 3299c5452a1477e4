//! ## What it does
//! Finds `when` branches and `match` arms, and the steps inside them, that no combination of
//! parameter values can reach: a condition that contradicts the ones before it, or an arm whose
//! values earlier arms already take.
//!
//! ## Why is this bad?
//! Steps that never run are procedure that was meant to happen and silently does not; usually
//! a condition is wrong.
//!
//! ## Example
//! ```text
//! when Role == "Standard" { step a "A" { run { A } } }
//! else when Role == "Standard" { step b "B" { run { B } } }
//! ```
//!
//! ## Use instead
//! ```text
//! when Role == "Standard" { step a "A" { run { A } } }
//! else when Role == "Enterprise" { step b "B" { run { B } } }
//! ```
