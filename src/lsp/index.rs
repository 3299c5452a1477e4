//! The names of a parsed runbook: where each parameter, step and window is declared and every
//! place it is used, for hover, go to definition, references and completion.

use tejun_grammar::Span;
use tejun_grammar::ast::{
    Action, Ast, Body, Foreach, Item, LoopSource, Param, Requirement, Step, TargetRef, Window,
};
use tejun_grammar::code::Code;
use tejun_grammar::cond::Cond;

/// A declared name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Decl<'a> {
    /// `param NAME: ...`.
    Param(&'a Param),
    /// `step ID "..." { ... }`.
    Step(&'a Step),
    /// `window NAME from A to B ...`.
    Window(&'a Window),
}

impl<'a> Decl<'a> {
    /// The name where it is declared.
    pub fn name(&self) -> &'a tejun_grammar::ast::Name {
        match self {
            Decl::Param(p) => &p.name,
            Decl::Step(s) => &s.id,
            Decl::Window(w) => &w.name,
        }
    }

    /// The whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Decl::Param(p) => p.span,
            Decl::Step(s) => s.span,
            Decl::Window(w) => w.span,
        }
    }
}

/// How a name is written where it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// Its declaration.
    Declared,
    /// The name itself: in a condition, a window, `match`, `foreach ... in`, `on`.
    Name,
    /// `$Name` in PowerShell code.
    Variable,
    /// A document placeholder such as `<SQL Server FQDN>`: in code, or in the parameter's
    /// `placeholder "..."`.
    Placeholder,
}

/// One place a declared name is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Use {
    /// The declaration, an index into [`Index::decls`].
    pub decl: usize,
    /// Where it is written.
    pub span: Span,
    /// How.
    pub written: Written,
    /// The step it is written in, if any (an index into `decls`).
    pub step: Option<usize>,
}

/// Every declaration and use in a runbook.
#[derive(Debug, Default)]
pub(crate) struct Index<'a> {
    /// Parameters, windows and steps, in source order.
    pub decls: Vec<Decl<'a>>,
    /// Every use, declarations included, in source order.
    pub uses: Vec<Use>,
    /// The span between the braces of every PowerShell block.
    pub code: Vec<Span>,
}

impl<'a> Index<'a> {
    /// The index of a parsed runbook; `src` is its text.
    pub fn new(ast: &'a Ast) -> Index<'a> {
        let mut index = Index::default();
        index.declare(&ast.items);
        let mut walk = Walk {
            index: &mut index,
            step: None,
        };
        walk.items(&ast.items);
        index.uses.sort_by_key(|u| (u.span.start, u.span.end));
        index
    }

    /// The use whose span holds byte `offset` (the innermost, when spans nest).
    pub fn at(&self, offset: usize) -> Option<&Use> {
        self.uses
            .iter()
            .filter(|u| u.span.start <= offset && offset <= u.span.end)
            .min_by_key(|u| u.span.len())
    }

    /// Every use of declaration `decl`, its declaration included.
    pub fn uses_of(&self, decl: usize) -> impl Iterator<Item = &Use> {
        self.uses.iter().filter(move |u| u.decl == decl)
    }

    /// The parameters.
    pub fn params(&self) -> impl Iterator<Item = &'a Param> + '_ {
        self.decls.iter().filter_map(|d| match d {
            Decl::Param(p) => Some(*p),
            _ => None,
        })
    }

    /// The steps.
    pub fn steps(&self) -> impl Iterator<Item = &'a Step> + '_ {
        self.decls.iter().filter_map(|d| match d {
            Decl::Step(s) => Some(*s),
            _ => None,
        })
    }

    /// Whether byte `offset` is inside PowerShell code.
    pub fn in_code(&self, offset: usize) -> bool {
        self.code
            .iter()
            .any(|c| c.start <= offset && offset <= c.end)
    }

    fn find(&self, kind: Kind, name: &str) -> Option<usize> {
        self.decls.iter().position(|d| match (kind, d) {
            // PowerShell variables ignore case, and so does the checker for parameters.
            (Kind::Param, Decl::Param(p)) => p.name.value.eq_ignore_ascii_case(name),
            (Kind::Step, Decl::Step(s)) => s.id.value == name,
            _ => false,
        })
    }

    fn placeholder(&self, text: &str) -> Option<usize> {
        self.decls.iter().position(|d| {
            matches!(d, Decl::Param(p) if p.placeholder.as_ref().is_some_and(|t| t.value == text))
        })
    }

    /// Collects every declaration, so that a use before its declaration (a window naming a
    /// later step) still finds it.
    fn declare(&mut self, items: &'a [Item]) {
        for item in items {
            match item {
                Item::Param(p) => self.decls.push(Decl::Param(p)),
                Item::Window(w) => self.decls.push(Decl::Window(w)),
                Item::Step(s) => {
                    self.decls.push(Decl::Step(s));
                    self.declare(&s.items);
                }
                Item::Foreach(f) => self.declare(&f.items),
                Item::Finally(f) => self.declare(&f.items),
                Item::When(w) => {
                    for arm in &w.arms {
                        self.declare(&arm.body.items);
                    }
                    if let Some(body) = &w.otherwise {
                        self.declare(&body.items);
                    }
                }
                Item::Match(m) => {
                    for arm in &m.arms {
                        self.declare(&arm.body.items);
                    }
                }
                Item::If(i) => {
                    for arm in &i.arms {
                        self.declare(&arm.body.items);
                    }
                    if let Some(body) = &i.otherwise {
                        self.declare(&body.items);
                    }
                }
                _ => {}
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Param,
    Step,
}

/// The walk that records uses.
struct Walk<'i, 'a> {
    index: &'i mut Index<'a>,
    step: Option<usize>,
}

impl<'a> Walk<'_, 'a> {
    fn record(&mut self, decl: Option<usize>, span: Span, written: Written) {
        if let Some(decl) = decl {
            self.index.uses.push(Use {
                decl,
                span,
                written,
                step: self.step,
            });
        }
    }

    fn declared(&mut self, decl: Decl<'a>) {
        let at = self
            .index
            .decls
            .iter()
            .position(|d| d.span() == decl.span());
        self.record(at, decl.name().span, Written::Declared);
    }

    fn name(&mut self, kind: Kind, name: &tejun_grammar::ast::Name) {
        let decl = self.index.find(kind, &name.value);
        self.record(decl, name.span, Written::Name);
    }

    fn items(&mut self, items: &'a [Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &'a Item) {
        match item {
            Item::Param(p) => {
                self.declared(Decl::Param(p));
                if let Some(text) = &p.placeholder {
                    let decl = self.index.placeholder(&text.value);
                    self.record(decl, text.span, Written::Placeholder);
                }
                if let Requirement::When(cond, _) = &p.requirement {
                    self.cond(cond);
                }
            }
            Item::Window(w) => {
                self.declared(Decl::Window(w));
                self.name(Kind::Step, &w.from);
                self.name(Kind::Step, &w.to);
            }
            Item::Step(s) => {
                let outer = self.step;
                self.declared(Decl::Step(s));
                self.step = self.index.decls.iter().position(|d| d.span() == s.span);
                if let Some(on) = &s.on
                    && let TargetRef::Var(name) = &on.target
                {
                    self.name(Kind::Param, name);
                }
                self.items(&s.items);
                self.step = outer;
            }
            Item::Foreach(f) => self.foreach(f),
            Item::Finally(f) => self.items(&f.items),
            Item::Action(a) => {
                if let Action::Wait(w) = a {
                    self.code(&w.code);
                    self.code(&w.until);
                    for g in &w.give_up {
                        self.code(&g.code);
                    }
                } else if let Some(code) = a.code() {
                    self.code(code);
                }
            }
            Item::When(w) => {
                for arm in &w.arms {
                    self.cond(&arm.cond);
                    self.body(&arm.body);
                }
                if let Some(body) = &w.otherwise {
                    self.body(body);
                }
            }
            Item::Match(m) => {
                self.name(Kind::Param, &m.param);
                for arm in &m.arms {
                    if let Some(guard) = &arm.guard {
                        self.cond(guard);
                    }
                    self.body(&arm.body);
                }
            }
            Item::If(i) => {
                for arm in &i.arms {
                    self.code(&arm.code);
                    self.body(&arm.body);
                }
                if let Some(body) = &i.otherwise {
                    self.body(body);
                }
            }
            Item::Title(_) | Item::Source(_) | Item::Description(_) | Item::Quote(_) => {}
        }
    }

    fn foreach(&mut self, f: &'a Foreach) {
        match &f.source {
            LoopSource::Param(name) => self.name(Kind::Param, name),
            LoopSource::Run(code) => self.code(code),
        }
        if let Some(on) = &f.on
            && let TargetRef::Var(name) = &on.target
            && name.value != f.var.value
        {
            self.name(Kind::Param, name);
        }
        if let Some(gate) = &f.gate {
            self.code(&gate.code);
        }
        self.items(&f.items);
    }

    fn body(&mut self, body: &'a Body) {
        self.items(&body.items);
    }

    fn cond(&mut self, cond: &Cond) {
        match cond {
            Cond::Or(all, _) | Cond::And(all, _) => {
                for c in all {
                    self.cond(c);
                }
            }
            Cond::Not(c, _) => self.cond(c),
            Cond::Compare { param, .. }
            | Cond::In { param, .. }
            | Cond::IsSet { param, .. }
            | Cond::Flag { param, .. } => self.name(Kind::Param, param),
        }
    }

    fn code(&mut self, code: &Code) {
        self.index.code.push(code.span);
        for placeholder in &code.placeholders {
            let decl = self.index.placeholder(&placeholder.text);
            self.record(decl, placeholder.span, Written::Placeholder);
        }
        for (at, name) in variables(&code.raw) {
            let decl = self.index.find(Kind::Param, name);
            let start = code.span.start + at;
            self.record(
                decl,
                Span::new(start, start + name.len() + 1),
                Written::Variable,
            );
        }
    }
}

/// Every `$Name` in PowerShell code: the offset of the `$` and the name. A light reading: it
/// does not know strings that do not expand; a use there is rare and harmless to show.
fn variables(code: &str) -> Vec<(usize, &str)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            i += 2;
            continue;
        }
        if bytes[i] == b'$' {
            let start = i + 1;
            let end = bytes[start..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map_or(bytes.len(), |n| start + n);
            if end > start {
                out.push((i, &code[start..end]));
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}
