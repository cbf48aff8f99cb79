fn f() {
