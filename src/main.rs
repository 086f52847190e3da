fn main() {
    std::process::exit(git_agent::main_with_args(std::env::args_os()));
}
