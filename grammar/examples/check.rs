fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    match tejun_grammar::compile(&src) {
        Ok(rb) => {
            println!("ok: {} warnings", rb.warnings.len());
            print!(
                "{}",
                tejun_grammar::diagnostics::render(&rb.warnings, &path, &src, 100, false)
            );
        }
        Err(p) => print!(
            "{}",
            tejun_grammar::diagnostics::render(&p, &path, &src, 100, false)
        ),
    }
}
