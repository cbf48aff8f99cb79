pub fn d() {}
