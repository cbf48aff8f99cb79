pub fn gated() {}
