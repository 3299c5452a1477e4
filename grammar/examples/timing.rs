fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    let t = std::time::Instant::now();
    let ast = tejun_grammar::parse(&src).unwrap();
    let parsed = t.elapsed();
    let rb = tejun_grammar::check(ast);
    println!(
        "parse {:?} check {:?} ok={}",
        parsed,
        t.elapsed() - parsed,
        rb.is_ok()
    );
}
