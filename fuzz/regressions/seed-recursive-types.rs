fn f() { let x = (((((((1))))))); }
impl<T: Q> R for T {}
struct S(Box<S>);
