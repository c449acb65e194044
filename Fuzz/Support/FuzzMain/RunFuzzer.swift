// Every harness's @main ends here: SwiftPM links each executable target's own main, so
// the harness hands the process, its arguments and its test function to libFuzzer's
// driver (Support/LibFuzzer).
import Glibc
import LibFuzzer

/// Runs libFuzzer's driver on `test` with this process's arguments; never returns.
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
