fn f() {
    let s = "\q";
}
