//! Microsoft's procedure pages and tejun's runbooks, both ways: [`import`] writes a runbook from
//! a page, [`verify`] proves a runbook replays a page verbatim, [`render`] writes a runbook back
//! out as a document for people.
//!
//! A page is MicrosoftDocs markdown, read with pulldown-cmark into [`Page`] (`blocks` is the only
//! place its events are seen). Nothing here does I/O or panics on input.

mod blocks;
pub mod import;
pub mod page;
pub mod render;
pub mod text;
pub mod verify;

pub use blocks::At;
pub use page::Page;
