//! pest pairs to AST: one function per grammar rule. `unreachable!` marks shapes the grammar
//! rules out; everything a user can write wrong becomes a [`ParseError`].

use pest::iterators::{Pair, Pairs};

use super::blanked::Blocks;
use super::{ParseError, Rule};
use crate::ast::*;
use crate::code::{Code, Placeholder};
use crate::cond::Cond;
use crate::span::Span;
use crate::suggestion::Suggestion;

type P<'i> = Pair<'i, Rule>;

/// Builds the AST of a whole file from the pairs of `Rule::file`, over `src` itself or over its
/// copy with `blanked` blocks (see `blanked.rs`). `None` when those pairs are of a copy and do not
/// have a block's code at exactly every blanked span, or have code that is neither blanked nor
/// empty: the copy may have been read differently from the text.
pub(super) fn file(
    mut pairs: Pairs<'_, Rule>,
    src: &str,
    blanked: Option<&Blocks>,
) -> Option<Result<Ast, Vec<ParseError>>> {
    let file = pairs
        .next()
        .expect("the grammar always yields a `file` pair");
    let comments = file
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| p.as_rule() == Rule::COMMENT)
        .map(|p| Comment {
            text: p.as_str().to_owned(),
            span: raw_span(&p),
        })
        .collect::<Vec<_>>();
    // Where each comment ends once its trailing spaces and tabs are left off: `span` trims those
    // before it looks for a comment to step over.
    let mut comment_ends: Vec<(usize, usize)> = comments
        .iter()
        .map(|c| {
            let text = c.text.trim_end_matches([' ', '\t', '\u{FEFF}']);
            (c.span.start + text.len(), c.span.start)
        })
        .collect();
    comment_ends.sort_unstable();
    let mut builder = Builder {
        src,
        comment_ends,
        errors: Vec::new(),
        blanked,
        confirmed: 0,
        unconfirmed: false,
    };
    let runbook = children(file)
        .find(|p| p.as_rule() == Rule::runbook)
        .expect("`file` holds a `runbook`");
    let ast = builder.runbook(runbook, comments);
    if builder.unconfirmed || builder.confirmed != blanked.map_or(0, Blocks::len) {
        return None;
    }
    Some(if builder.errors.is_empty() {
        Ok(ast)
    } else {
        Err(builder.errors)
    })
}

/// A pair's children without comments.
fn children<'i>(pair: P<'i>) -> impl Iterator<Item = P<'i>> {
    pair.into_inner().filter(|p| p.as_rule() != Rule::COMMENT)
}

/// A pair's children without comments and keywords.
fn parts<'i>(pair: P<'i>) -> impl Iterator<Item = P<'i>> {
    children(pair).filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_runbook
            | Rule::kw_title
            | Rule::kw_source
            | Rule::kw_url
            | Rule::kw_updated
            | Rule::kw_description
            | Rule::kw_param
            | Rule::kw_choice
            | Rule::kw_required
            | Rule::kw_optional
            | Rule::kw_placeholder
            | Rule::kw_doc
            | Rule::kw_window
            | Rule::kw_from
            | Rule::kw_to
            | Rule::kw_limit
            | Rule::kw_warn
            | Rule::kw_finally
            | Rule::kw_step
            | Rule::kw_quote
            | Rule::kw_run
            | Rule::kw_timeout
            | Rule::kw_retries
            | Rule::kw_every
            | Rule::kw_accept
            | Rule::kw_exit
            | Rule::kw_manual
            | Rule::kw_require
            | Rule::kw_ensure
            | Rule::kw_within
            | Rule::kw_message
            | Rule::kw_skip
            | Rule::kw_if
            | Rule::kw_restart
            | Rule::kw_shell
            | Rule::kw_when
            | Rule::kw_else
            | Rule::kw_match
            | Rule::kw_on
            | Rule::kw_gate
            | Rule::kw_budget
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_is
            | Rule::kw_set
            | Rule::kw_list
            | Rule::kw_foreach
            | Rule::kw_wait
            | Rule::kw_until
            | Rule::kw_attempts
            | Rule::kw_give
            | Rule::kw_up
    )
}

struct Builder<'s> {
    src: &'s str,
    /// `(end, start)` of every comment, sorted by end.
    comment_ends: Vec<(usize, usize)>,
    errors: Vec<ParseError>,
    /// The blocks blanked in the text the pairs are of, if any.
    blanked: Option<&'s Blocks>,
    /// How many blanked blocks have been met as a block's code.
    confirmed: usize,
    /// Whether a block's code was met on the fast path that is neither blanked nor empty.
    unconfirmed: bool,
}

fn raw_span(pair: &P<'_>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl Builder<'_> {
    /// A pair's span without the whitespace and comments pest lets a rule swallow after its
    /// last token when it ends in an optional part.
    fn span(&self, pair: &P<'_>) -> Span {
        let raw = raw_span(pair);
        let mut end = raw.end;
        loop {
            let trimmed = self.src[raw.start..end]
                .trim_end_matches([' ', '\t', '\r', '\n', '\u{FEFF}'])
                .len();
            end = raw.start + trimmed;
            match self.comment_ends.binary_search_by_key(&end, |(e, _)| *e) {
                Ok(i) if self.comment_ends[i].1 >= raw.start => end = self.comment_ends[i].1,
                _ => break,
            }
        }
        Span::new(raw.start, end)
    }

    fn name(&self, pair: P<'_>) -> Name {
        Name {
            value: pair.as_str().to_owned(),
            span: self.span(&pair),
        }
    }

    fn runbook(&mut self, pair: P<'_>, comments: Vec<Comment>) -> Ast {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let name = self.name(it.next().expect("`runbook` has a name"));
        let items = it.map(|p| self.item(p)).collect();
        Ast {
            name,
            items,
            comments,
            span,
        }
    }

    fn item(&mut self, pair: P<'_>) -> Item {
        match pair.as_rule() {
            Rule::title_decl => Item::Title(self.text(only(pair))),
            Rule::description_decl => Item::Description(self.text(only(pair))),
            Rule::source_decl => Item::Source(self.source_decl(pair)),
            Rule::param_decl => Item::Param(self.param_decl(pair)),
            Rule::window_decl => Item::Window(self.window_decl(pair)),
            Rule::finally_decl => {
                let span = self.span(&pair);
                Item::Finally(Finally {
                    items: parts(pair).map(|p| self.item(p)).collect(),
                    span,
                })
            }
            Rule::step => Item::Step(self.step(pair)),
            Rule::foreach_block => Item::Foreach(self.foreach_block(pair)),
            Rule::quote => Item::Quote(self.quote(pair)),
            Rule::when_branch => Item::When(self.when_branch(pair)),
            Rule::match_branch => Item::Match(self.match_branch(pair)),
            Rule::if_branch => Item::If(self.if_branch(pair)),
            _ => Item::Action(self.action(pair)),
        }
    }

    fn source_decl(&mut self, pair: P<'_>) -> Source {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let id = self.text(it.next().expect("`source` has an id"));
        let (mut url, mut updated): (Option<Text>, Option<Date>) = (None, None);
        for p in it {
            let option_span = self.span(&p);
            match p.as_rule() {
                Rule::source_url => {
                    let text = self.text(only(p));
                    self.once("url", &url.as_ref().map(|u| u.span), option_span);
                    url.get_or_insert(text);
                }
                Rule::source_updated => {
                    let date = self.date(only(p));
                    self.once("updated", &updated.as_ref().map(|d| d.span), option_span);
                    updated.get_or_insert(date);
                }
                _ => unreachable!("`source` holds only `url` and `updated`"),
            }
        }
        Source {
            id,
            url,
            updated,
            span,
        }
    }

    fn param_decl(&mut self, pair: P<'_>) -> Param {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let name = self.name(it.next().expect("`param` has a name"));
        let ty = self.param_type(it.next().expect("`param` has a type"));
        let mut param = Param {
            name,
            ty,
            default: None,
            requirement: Requirement::Implicit,
            placeholder: None,
            doc: None,
            span,
        };
        for p in it {
            let option_span = self.span(&p);
            match p.as_rule() {
                Rule::param_default => {
                    let value = only(p);
                    param.default = Some(if value.as_rule() == Rule::list_literal {
                        let span = self.span(&value);
                        Literal {
                            value: Value::List(parts(value).map(|s| self.text(s).value).collect()),
                            span,
                        }
                    } else {
                        self.literal(value)
                    });
                }
                Rule::required_option | Rule::optional_option => {
                    let previous = match &param.requirement {
                        Requirement::Implicit => None,
                        Requirement::Always(s)
                        | Requirement::When(_, s)
                        | Requirement::Optional(s) => Some(*s),
                    };
                    let keyword = if p.as_rule() == Rule::optional_option {
                        "optional"
                    } else {
                        "required"
                    };
                    if let Some(first) = previous {
                        self.errors.push(ParseError::DuplicateOption {
                            option: "required` or `optional".to_owned(),
                            span: Span::new(option_span.start, option_span.start + keyword.len()),
                            first: Span::new(
                                first.start,
                                first.start + keyword.len().min(first.len()),
                            ),
                        });
                        continue;
                    }
                    param.requirement = if p.as_rule() == Rule::optional_option {
                        Requirement::Optional(option_span)
                    } else {
                        match parts(p).next() {
                            Some(cond) => Requirement::When(self.condition(cond), option_span),
                            None => Requirement::Always(option_span),
                        }
                    };
                }
                Rule::placeholder_option => {
                    let text = self.text(only(p));
                    self.once(
                        "placeholder",
                        &param.placeholder.as_ref().map(|t| t.span),
                        option_span,
                    );
                    param.placeholder.get_or_insert(text);
                }
                Rule::doc_option => {
                    let text = self.text(only(p));
                    self.once("doc", &param.doc.as_ref().map(|t| t.span), option_span);
                    param.doc.get_or_insert(text);
                }
                _ => unreachable!("unexpected parameter option {:?}", p.as_rule()),
            }
        }
        param
    }

    fn param_type(&mut self, pair: P<'_>) -> ParamType {
        let span = self.span(&pair);
        let inner = only(pair);
        let kind = match inner.as_rule() {
            Rule::choice_type => TypeKind::Choice(parts(inner).map(|p| self.text(p)).collect()),
            Rule::list_type => {
                let element = only(inner);
                if element.as_str() != "string" {
                    self.errors.push(ParseError::UnknownType {
                        name: format!("list({})", element.as_str()),
                        span,
                        help: "lists hold text: write `list(string)`".to_owned(),
                        suggestion: Some(Box::new(Suggestion::new(span, "list(string)"))),
                    });
                }
                TypeKind::List
            }
            Rule::type_name => match inner.as_str() {
                "string" => TypeKind::String,
                "int" => TypeKind::Int,
                "bool" => TypeKind::Bool,
                "path" => TypeKind::Path,
                "secret" => TypeKind::Secret,
                other => {
                    const TYPES: [&str; 6] = ["string", "int", "bool", "path", "secret", "choice"];
                    let near = TYPES
                        .iter()
                        .min_by_key(|t| strsim::damerau_levenshtein(other, t))
                        .copied();
                    let near = near.filter(|t| strsim::damerau_levenshtein(other, t) <= 2);
                    let help = match near {
                        Some("choice") => "did you mean `choice(\"a\", \"b\")`?".to_owned(),
                        Some(t) => format!("did you mean `{t}`?"),
                        None => "the types are `string`, `int`, `bool`, `path`, `secret` and `choice(\"a\", \"b\")`"
                            .to_owned(),
                    };
                    self.errors.push(ParseError::UnknownType {
                        name: other.to_owned(),
                        span,
                        help,
                        // A choice needs its values, which only the author knows.
                        suggestion: near
                            .filter(|t| *t != "choice")
                            .map(|t| Box::new(Suggestion::new(span, t))),
                    });
                    TypeKind::String
                }
            },
            _ => unreachable!("a parameter type is a choice or a type name"),
        };
        ParamType { kind, span }
    }

    fn window_decl(&mut self, pair: P<'_>) -> Window {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let name = self.name(it.next().expect("`window` has a name"));
        let from = self.name(it.next().expect("`window` has `from`"));
        let to = self.name(it.next().expect("`window` has `to`"));
        let limit = self.duration(it.next().expect("`window` has `limit`"));
        let warn = it.next().map(|p| self.text(only(p)));
        Window {
            name,
            from,
            to,
            limit,
            warn,
            span,
        }
    }

    fn step(&mut self, pair: P<'_>) -> Step {
        let span = self.span(&pair);
        let mut it = parts(pair).peekable();
        let id = self.name(it.next().expect("`step` has an id"));
        let title = self.text(it.next().expect("`step` has a title"));
        let doc = it.next_if(|p| p.as_rule() == Rule::step_doc).map(|p| {
            let d = only(p);
            DocRef {
                value: d.as_str().to_owned(),
                span: self.span(&d),
            }
        });
        let on = it
            .next_if(|p| p.as_rule() == Rule::on_target)
            .map(|p| self.on_target(p));
        let items = it.map(|p| self.item(p)).collect();
        Step {
            id,
            title,
            doc,
            on,
            items,
            span,
        }
    }

    fn foreach_block(&mut self, pair: P<'_>) -> Foreach {
        let span = self.span(&pair);
        let mut it = parts(pair).peekable();
        let var = self.name(it.next().expect("`foreach` has a variable"));
        let source = only(it.next().expect("`foreach` has a source"));
        let source = if source.as_rule() == Rule::loop_run {
            LoopSource::Run(self.ps_block(only(source)))
        } else {
            LoopSource::Param(self.name(source))
        };
        let placeholder = it
            .next_if(|p| p.as_rule() == Rule::placeholder_option)
            .map(|p| self.text(only(p)));
        let on = it
            .next_if(|p| p.as_rule() == Rule::on_target)
            .map(|p| self.on_target(p));
        let gate = it
            .next_if(|p| p.as_rule() == Rule::gate_option)
            .map(|p| self.gate(p));
        let budget = it
            .next_if(|p| p.as_rule() == Rule::budget_option)
            .map(|p| Budget {
                span: self.span(&p),
                count: self.integer(only(p)),
            });
        let items = it.map(|p| self.item(p)).collect();
        Foreach {
            var,
            source,
            placeholder,
            on,
            gate,
            budget,
            items,
            span,
        }
    }

    fn on_target(&mut self, pair: P<'_>) -> OnTarget {
        let span = self.span(&pair);
        let target = only(pair);
        let target = if target.as_rule() == Rule::ident {
            TargetRef::Var(self.name(target))
        } else {
            TargetRef::Named(self.text(target))
        };
        OnTarget { target, span }
    }

    fn gate(&mut self, pair: P<'_>) -> Gate {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let code = self.ps_block(it.next().expect("a gate has a block"));
        let mut gate = Gate {
            code,
            poll: None,
            message: None,
            span,
        };
        for p in it {
            let option_span = self.span(&p);
            match p.as_rule() {
                Rule::poll_option => {
                    let mut o = parts(p);
                    let within = self.duration(o.next().expect("`within` has a duration"));
                    let every = o.next().map(|d| self.duration(d));
                    gate.poll = Some(Poll {
                        within,
                        every,
                        span: option_span,
                    });
                }
                Rule::message_option => gate.message = Some(self.text(only(p))),
                _ => unreachable!("unexpected gate option {:?}", p.as_rule()),
            }
        }
        gate
    }

    fn quote(&mut self, pair: P<'_>) -> Quote {
        let span = self.span(&pair);
        let mut lang = None;
        let mut text = None;
        for p in parts(pair) {
            match p.as_rule() {
                Rule::lang => lang = Some(self.name(p)),
                _ => text = Some(self.text(p)),
            }
        }
        Quote {
            lang,
            text: text.expect("`quote` has a string"),
            span,
        }
    }

    fn action(&mut self, pair: P<'_>) -> Action {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::run_action => {
                let mut it = parts(pair);
                let code = self.ps_block(it.next().expect("`run` has a block"));
                let mut run = Run {
                    code,
                    timeout: None,
                    retries: None,
                    accept_exit: None,
                    span,
                };
                for p in it {
                    let option_span = self.span(&p);
                    match p.as_rule() {
                        Rule::timeout_option => {
                            let d = self.duration(only(p));
                            self.once("timeout", &run.timeout.map(|t| t.span), option_span);
                            run.timeout.get_or_insert(d);
                        }
                        Rule::retries_option => {
                            let mut o = parts(p);
                            let count = self.integer(o.next().expect("`retries` has a count"));
                            let count = u32::try_from(count).unwrap_or_else(|_| {
                                self.bad_value(
                                    option_span,
                                    "`retries` must be between 0 and 4294967295",
                                    "write a small count, such as `retries 3`",
                                );
                                0
                            });
                            let every = o.next().map(|d| self.duration(d));
                            self.once(
                                "retries",
                                &run.retries.as_ref().map(|r| r.span),
                                option_span,
                            );
                            run.retries.get_or_insert(Retries {
                                count,
                                every,
                                span: option_span,
                            });
                        }
                        Rule::accept_option => {
                            let codes = parts(p).map(|c| self.integer(c)).collect();
                            self.once(
                                "accept exit",
                                &run.accept_exit.as_ref().map(|a| a.span),
                                option_span,
                            );
                            run.accept_exit.get_or_insert(AcceptExit {
                                codes,
                                span: option_span,
                            });
                        }
                        _ => unreachable!("unexpected `run` option {:?}", p.as_rule()),
                    }
                }
                Action::Run(run)
            }
            Rule::wait_action => Action::Wait(self.wait_action(pair)),
            Rule::manual_action => Action::Manual(Manual {
                instruction: self.text(only(pair)),
                span,
            }),
            Rule::require_action | Rule::ensure_action => {
                let ensure = pair.as_rule() == Rule::ensure_action;
                let mut it = parts(pair);
                let code = self.ps_block(it.next().expect("a check has a block"));
                let mut check = Check {
                    code,
                    poll: None,
                    message: None,
                    span,
                };
                for p in it {
                    let option_span = self.span(&p);
                    match p.as_rule() {
                        Rule::poll_option => {
                            let mut o = parts(p);
                            let within = self.duration(o.next().expect("`within` has a duration"));
                            let every = o.next().map(|d| self.duration(d));
                            check.poll = Some(Poll {
                                within,
                                every,
                                span: option_span,
                            });
                        }
                        Rule::message_option => check.message = Some(self.text(only(p))),
                        _ => unreachable!("unexpected check option {:?}", p.as_rule()),
                    }
                }
                if ensure {
                    Action::Ensure(check)
                } else {
                    Action::Require(check)
                }
            }
            Rule::skip_action => Action::SkipIf(SkipIf {
                code: self.ps_block(only(pair)),
                span,
            }),
            Rule::restart_action => Action::RestartShell(span),
            other => unreachable!("not an action: {other:?}"),
        }
    }

    fn when_branch(&mut self, pair: P<'_>) -> When {
        let span = self.span(&pair);
        let mut arms = Vec::new();
        let mut otherwise = None;
        for arm in parts(pair) {
            let arm_span = self.span(&arm);
            match arm.as_rule() {
                Rule::when_arm | Rule::else_when_arm => {
                    let mut it = parts(arm);
                    let cond = self.condition(it.next().expect("an arm has a condition"));
                    let body = self.body(it.next().expect("an arm has a body"));
                    arms.push(WhenArm {
                        cond,
                        body,
                        span: arm_span,
                    });
                }
                Rule::else_arm => otherwise = Some(self.body(only(arm))),
                _ => unreachable!("unexpected `when` arm {:?}", arm.as_rule()),
            }
        }
        When {
            arms,
            otherwise,
            span,
        }
    }

    fn wait_action(&mut self, pair: P<'_>) -> Wait {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let code = self.ps_block(it.next().expect("`wait` has a block"));
        let until = self.ps_block(only(it.next().expect("`wait` has `until`")));
        let mut wait = Wait {
            code,
            until,
            every: None,
            attempts: None,
            timeout: None,
            give_up: Vec::new(),
            message: None,
            span,
        };
        for p in it {
            let option_span = self.span(&p);
            match p.as_rule() {
                Rule::every_option => {
                    let d = self.duration(only(p));
                    self.once("every", &wait.every.map(|e| e.span), option_span);
                    wait.every.get_or_insert(d);
                }
                Rule::timeout_option => {
                    let d = self.duration(only(p));
                    self.once("timeout", &wait.timeout.map(|t| t.span), option_span);
                    wait.timeout.get_or_insert(d);
                }
                Rule::attempts_option => {
                    let count = self.integer(only(p));
                    let count = u32::try_from(count).unwrap_or_else(|_| {
                        self.bad_value(
                            option_span,
                            "`attempts` must be between 1 and 4294967295",
                            "write a small count, such as `attempts 3`",
                        );
                        1
                    });
                    self.once("attempts", &wait.attempts.map(|a| a.span), option_span);
                    wait.attempts.get_or_insert(Attempts {
                        count,
                        span: option_span,
                    });
                }
                Rule::give_up_option => {
                    let mut o = parts(p);
                    let name = self.text(o.next().expect("`give up` has a name"));
                    let code = self.ps_block(o.next().expect("`give up` has a block"));
                    wait.give_up.push(GiveUp {
                        name,
                        code,
                        span: option_span,
                    });
                }
                Rule::message_option => {
                    let text = self.text(only(p));
                    self.once(
                        "message",
                        &wait.message.as_ref().map(|m| m.span),
                        option_span,
                    );
                    wait.message.get_or_insert(text);
                }
                _ => unreachable!("unexpected `wait` option {:?}", p.as_rule()),
            }
        }
        wait
    }

    fn if_branch(&mut self, pair: P<'_>) -> If {
        let span = self.span(&pair);
        let mut arms = Vec::new();
        let mut otherwise = None;
        for arm in parts(pair) {
            let arm_span = self.span(&arm);
            match arm.as_rule() {
                Rule::if_arm | Rule::else_if_arm => {
                    let mut it = parts(arm);
                    let code = self.ps_block(it.next().expect("an arm has a condition"));
                    let body = self.body(it.next().expect("an arm has a body"));
                    arms.push(IfArm {
                        code,
                        body,
                        span: arm_span,
                    });
                }
                Rule::else_arm => otherwise = Some(self.body(only(arm))),
                _ => unreachable!("unexpected `if` arm {:?}", arm.as_rule()),
            }
        }
        If {
            arms,
            otherwise,
            span,
        }
    }

    fn match_branch(&mut self, pair: P<'_>) -> Match {
        let span = self.span(&pair);
        let mut it = parts(pair);
        let param = self.name(it.next().expect("`match` names a parameter"));
        let arms = it.map(|arm| self.match_arm(arm)).collect();
        Match { param, arms, span }
    }

    fn match_arm(&mut self, pair: P<'_>) -> MatchArm {
        let span = self.span(&pair);
        let mut it = parts(pair).peekable();
        let mut values = parts(it.next().expect("an arm has a pattern")).peekable();
        let pattern = match values.next_if(|p| p.as_rule() == Rule::wildcard) {
            Some(w) => Pattern::Wildcard(self.span(&w)),
            None => Pattern::Values(values.map(|p| self.text(p)).collect()),
        };
        let guard = it
            .next_if(|p| p.as_rule() == Rule::condition)
            .map(|p| self.condition(p));
        let target = it.next().expect("an arm has a body or an action");
        let body = if target.as_rule() == Rule::body {
            self.body(target)
        } else {
            let target_span = self.span(&target);
            Body {
                items: vec![Item::Action(self.action(target))],
                braced: false,
                span: target_span,
            }
        };
        MatchArm {
            pattern,
            guard,
            body,
            span,
        }
    }

    fn body(&mut self, pair: P<'_>) -> Body {
        let span = self.span(&pair);
        Body {
            items: parts(pair).map(|p| self.item(p)).collect(),
            braced: true,
            span,
        }
    }

    fn condition(&mut self, pair: P<'_>) -> Cond {
        self.cond_or(only(pair))
    }

    fn cond_or(&mut self, pair: P<'_>) -> Cond {
        let span = self.span(&pair);
        let mut parts: Vec<Cond> = parts(pair).map(|p| self.cond_and(p)).collect();
        if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts, span)
        }
    }

    fn cond_and(&mut self, pair: P<'_>) -> Cond {
        let span = self.span(&pair);
        let mut parts: Vec<Cond> = parts(pair).map(|p| self.cond_not(p)).collect();
        if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts, span)
        }
    }

    fn cond_not(&mut self, pair: P<'_>) -> Cond {
        let span = self.span(&pair);
        let inner: Vec<P<'_>> = children(pair).collect();
        let nots = inner.iter().filter(|p| p.as_rule() == Rule::kw_not).count();
        let atom = self.cond_atom(
            inner
                .into_iter()
                .last()
                .expect("`cond_not` ends with an atom"),
        );
        // `not not x` is `x`: fold the negations so no chain of them ever nests.
        if nots % 2 == 1 {
            Cond::Not(Box::new(atom), span)
        } else {
            atom
        }
    }

    fn cond_atom(&mut self, pair: P<'_>) -> Cond {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner: Vec<P<'_>> = children(pair).collect();
        let negated = inner.iter().any(|p| p.as_rule() == Rule::kw_not);
        inner.retain(|p| !is_keyword(p.as_rule()));
        match rule {
            Rule::cond_group => self.cond_or(inner.remove(0)),
            Rule::cond_is_set => Cond::IsSet {
                param: self.name(inner.remove(0)),
                negated,
                span,
            },
            Rule::cond_in => {
                let param = self.name(inner.remove(0));
                let values = inner.into_iter().map(|p| self.literal(p)).collect();
                Cond::In {
                    param,
                    negated,
                    values,
                    span,
                }
            }
            Rule::cond_cmp => {
                let param = self.name(inner.remove(0));
                let negated = inner[0].as_str() == "!=";
                let value = self.literal(inner.remove(1));
                Cond::Compare {
                    param,
                    negated,
                    value,
                    span,
                }
            }
            Rule::cond_bool => Cond::Flag {
                param: self.name(inner.remove(0)),
                span,
            },
            other => unreachable!("not a condition atom: {other:?}"),
        }
    }

    fn literal(&mut self, pair: P<'_>) -> Literal {
        let span = self.span(&pair);
        let inner = only(pair);
        let value = match inner.as_rule() {
            Rule::string => Value::Str(self.text(inner).value),
            Rule::integer => Value::Int(self.integer(inner)),
            Rule::boolean => Value::Bool(inner.as_str() == "true"),
            other => unreachable!("not a literal: {other:?}"),
        };
        Literal { value, span }
    }

    fn integer(&mut self, pair: P<'_>) -> i64 {
        pair.as_str().parse().unwrap_or_else(|_| {
            self.bad_value(
                self.span(&pair),
                "this number is too large",
                "numbers range from -9223372036854775808 to 9223372036854775807",
            );
            0
        })
    }

    fn duration(&mut self, pair: P<'_>) -> Duration {
        let span = self.span(&pair);
        let text = pair.as_str();
        let mut millis: u64 = 0;
        let mut digits = String::new();
        let mut chars = text.chars().peekable();
        let mut overflow = false;
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit: u64 = match c {
                'm' if chars.peek() == Some(&'s') => {
                    chars.next();
                    1
                }
                'm' => 60_000,
                's' => 1_000,
                'h' => 3_600_000,
                _ => unreachable!("the grammar allows only ms, s, m and h"),
            };
            let part = digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit));
            match part.and_then(|p| millis.checked_add(p)) {
                Some(total) => millis = total,
                None => overflow = true,
            }
            digits.clear();
        }
        if overflow {
            self.bad_value(
                span,
                "this duration is too long",
                "write a duration under a few years, such as `30m` or `2h`",
            );
        }
        Duration { millis, span }
    }

    fn date(&mut self, pair: P<'_>) -> Date {
        let span = self.span(&pair);
        let text = pair.as_str();
        let year: u16 = text[0..4].parse().unwrap_or(0);
        let month: u8 = text[5..7].parse().unwrap_or(0);
        let day: u8 = text[8..10].parse().unwrap_or(0);
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if day == 0 || day > days_in_month {
            self.bad_value(
                span,
                &format!("`{text}` is not a calendar date"),
                "write the date as YYYY-MM-DD, such as `2012-11-01`",
            );
        }
        Date {
            year,
            month,
            day,
            span,
        }
    }

    /// A string literal, decoded.
    fn text(&mut self, pair: P<'_>) -> Text {
        let span = self.span(&pair);
        let inner = only(pair);
        match inner.as_rule() {
            Rule::quoted_string => {
                let body = only(inner);
                let value = self.unescape(body.as_str(), body.as_span().start());
                Text {
                    value,
                    span,
                    raw: false,
                }
            }
            Rule::raw_string => Text {
                value: crate::code::layout(only(inner).as_str()),
                span,
                raw: true,
            },
            other => unreachable!("not a string: {other:?}"),
        }
    }

    fn unescape(&mut self, s: &str, offset: usize) -> String {
        // Most strings have no escape: one search instead of a push per character.
        if !s.contains('\\') {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else { break };
            match e {
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                _ => {
                    let at = offset + i;
                    self.errors.push(ParseError::BadEscape {
                        escape: format!("\\{e}"),
                        span: Span::new(at, at + 1 + e.len_utf8()),
                    });
                }
            }
        }
        out
    }

    fn ps_block(&mut self, pair: P<'_>) -> Code {
        let code = only(pair);
        let code_span = raw_span(&code);
        let placeholders = match self.blanked {
            Some(blanked) if let Some(found) = blanked.get(code_span.start, code_span.end) => {
                self.confirmed += 1;
                found
                    .iter()
                    .map(|f| Placeholder {
                        text: self.src[f.span.start..f.span.end].to_owned(),
                        span: f.span,
                        in_string: f.in_string,
                    })
                    .collect()
            }
            _ => {
                // On the fast path pest reads only empty code itself: code it read would have
                // been read next to blanked text, which a here-string or a comment may run into.
                if self.blanked.is_some() {
                    self.unconfirmed |= code_span.start != code_span.end;
                }
                code.clone()
                    .into_inner()
                    .filter(|p| {
                        matches!(
                            p.as_rule(),
                            Rule::ps_placeholder | Rule::ps_string_placeholder
                        )
                    })
                    .map(|p| Placeholder {
                        text: p.as_str().to_owned(),
                        span: self.span(&p),
                        in_string: p.as_rule() == Rule::ps_string_placeholder,
                    })
                    .collect()
            }
        };
        Code::new(
            &self.src[code_span.start..code_span.end],
            code_span,
            placeholders,
        )
    }

    fn once(&mut self, option: &str, first: &Option<Span>, span: Span) {
        if let Some(first) = first {
            self.errors.push(ParseError::DuplicateOption {
                option: option.to_owned(),
                span,
                first: *first,
            });
        }
    }

    fn bad_value(&mut self, span: Span, message: &str, help: &str) {
        self.errors.push(ParseError::BadValue {
            message: message.to_owned(),
            span,
            help: help.to_owned(),
        });
    }
}

/// The single meaningful child of a pair.
fn only(pair: P<'_>) -> P<'_> {
    parts(pair)
        .next()
        .expect("the grammar guarantees one child")
}
