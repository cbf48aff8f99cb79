//! A file that parses and matters to the rule (it names `CuratorFramework`): the test makes
//! parsing it panic and checks that only this file is lost.
pub fn namespace_of(client: &dyn crate::leak::CuratorFramework) -> bool {
    client.watcher_removal_manager().is_some()
}
