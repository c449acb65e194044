// downstream [remote:]instance command…
//
// Runs one command through the LXD library (README "From Swift", Docs/library.md): prints the remote
// command's stdout and stderr as they came, then `status: N`, and exits 0 (1 with a
// message on stderr when the library throws).
import Glibc
import LXD

func complain(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    complain("usage: downstream [remote:]instance command...")
    exit(2)
}
do {
    let environment = ClientEnvironment.current(flavor: .lxd)
    let config = try ConfigLoader(environment: environment).load().config
    let reference = try config.parseInstanceReference(arguments[0])
    let client = LXDClient(remote: try config.resolve(remote: reference.remote, in: environment))
    let out = try client.exec(instance: reference.instance, ExecRequest(command: Array(arguments.dropFirst())))
        .collect(input: Array("from stdin\n".utf8))
    print("stdout: " + String(decoding: out.stdout, as: UTF8.self), terminator: "")
    print("stderr: " + String(decoding: out.stderr, as: UTF8.self), terminator: "")
    print("status: \(out.status)")
} catch {
    complain("downstream: \(error)")
    exit(1)
}
