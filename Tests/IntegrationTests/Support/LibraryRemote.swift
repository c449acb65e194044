import Foundation
import LXD

/// The test bed's `remote` (of conf/) as the library resolves it: what LibraryTests,
/// ExecEventLoopTests and AsyncLibraryTests build their clients from.
func libraryRemote(_ remote: String = "local") throws -> ResolvedRemote {
    var variables = ProcessInfo.processInfo.environment
    variables["LXD_CONF"] = Testbed.conf
    let environment = ClientEnvironment(flavor: .lxd, variables: variables,
                                        fileExists: { FileManager.default.fileExists(atPath: $0) })
    var loader = ConfigLoader(environment: environment)
    loader.readerPath = try Built.lxattachConfig()
    return try loader.load().config.resolve(remote: remote, in: environment)
}
