fn f() {}
/* never closed
fn g() {}
