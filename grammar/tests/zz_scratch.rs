#[test]
fn brackets() {
    for n in [10usize, 12, 14, 16, 18, 20] {
        let src = format!("runbook r {{ step s \"S\" {{ run {{ {} }} }} }}", "[".repeat(n));
        let t = std::time::Instant::now();
        let r = tejun_grammar::compile(&src);
        println!("{n} unclosed [: ok={} in {:?}", r.is_ok(), t.elapsed());
    }
    for n in [1000usize, 2000, 4000] {
        let src = format!("runbook r {{ step s \"S\" {{ run {{ {} }} }} }}", "[a ".repeat(n));
        let t = std::time::Instant::now();
        let r = tejun_grammar::compile(&src);
        println!("{n} x '[a ': ok={} in {:?}", r.is_ok(), t.elapsed());
    }
}
