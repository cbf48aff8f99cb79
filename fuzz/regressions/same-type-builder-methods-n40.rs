// facadelint fuzz finding: analysis time and memory grow as N^4 in the number N of methods
// of a type that each build a new value of the same type (an immutable builder).
// N=16: 70k analysed instances, 0.4 s; N=32: 1.08M, 8.7 s, 1.8 GB; N=40 (this file): >10 s,
// ~1.4 GB. Cause: analyzer/src/analysis/flow.rs Flow::new_obj (heap context) together with
// every fresh non-client allocation becoming a receiver of all its type's methods.
use std::sync::Arc;

pub trait CuratorFramework {}

pub struct Builder {
    client: Arc<dyn CuratorFramework>,
}

impl Builder {
    pub fn option_0(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_1(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_2(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_3(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_4(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_5(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_6(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_7(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_8(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_9(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_10(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_11(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_12(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_13(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_14(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_15(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_16(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_17(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_18(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_19(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_20(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_21(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_22(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_23(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_24(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_25(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_26(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_27(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_28(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_29(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_30(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_31(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_32(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_33(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_34(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_35(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_36(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_37(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_38(&self) -> Builder { Builder { client: self.client.clone() } }
    pub fn option_39(&self) -> Builder { Builder { client: self.client.clone() } }
}
