pub fn run(_r: &crate::repo::Repo, _a: &crate::cli::BoardArgs) -> crate::error::Result<i32> {
    Ok(0)
}
