// libFuzzer harness for reading the client configuration (built by Scripts/fuzz, see
// Fuzz/Package.swift): both halves of what ConfigLoader does.
//
// Input: byte 0 selects the path and the flavor; the rest is
// - (even) config.yml text for `ConfigYAML` (what `lxattach-config` runs), or
// - (odd) a cached normalized JSON file, as `ConfigLoader` reads it back.
// Invariants beyond "no crash": the normalized JSON is deterministic and reads back to
// the same configuration (the cache can never change what the file said); reading is a
// fixpoint, byte-exact; whatever is accepted also resolves without crashing: built-in
// remotes, $LXC_REMOTE, every remote's address, `remote:instance` references.
import Glibc
import FuzzMain
import JSON
import LXD
import LXDConfigYAML

private func readBack(_ config: LXCConfig) -> LXCConfig? {
    guard let json = try? JSONValue.parse(config.json.serializedBytes()) else { return nil }
    return LXCConfig(json: json)
}

private func exercise(_ config: LXCConfig, flavor: ClientFlavor) {
    let names = config.remotes.map(\.name)
    let env = ClientEnvironment(
        flavor: flavor,
        variables: ["HOME": "/home/fuzz", flavor.defaultRemoteVariable: names.first ?? "local"],
        fileExists: { _ in false })
    let full = config.withBuiltinRemotes(flavor: flavor, fileExisted: true).applyingEnvironment(env)
    for name in names + [full.defaultRemote] {
        _ = try? full.resolve(remote: name, in: env)
        _ = try? full.parseInstanceReference(name + ":c1")
    }
    _ = try? full.parseInstanceReference("c1")
}

func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let flavor: ClientFlavor = selector & 2 == 0 ? .lxd : .incus
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    if selector & 1 == 0 {
        // config.yml → normalized config (lxattach-config rejects non-UTF-8 before this).
        guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
        let config: LXCConfig
        do {
            config = try ConfigYAML.parse(text)
        } catch {
            precondition(!error.description.isEmpty, "an empty error")
            return 0
        }
        precondition((try? ConfigYAML.normalizedJSON(text)) == config.json.serialized(), "normalizedJSON is not deterministic")
        precondition(readBack(config) == config, "the cached JSON reads back as another configuration")
        exercise(config, flavor: flavor)
    } else {
        // The cached JSON as ConfigLoader reads it.
        guard let json = try? JSONValue.parse(bytes), let config = LXCConfig(json: json) else { return 0 }
        guard let again = readBack(config) else { preconditionFailure("a read configuration does not write back") }
        precondition(again == config, "read∘write is not the identity")
        precondition(again.json.serializedBytes() == config.json.serializedBytes(), "writing is not a fixpoint")
        exercise(config, flavor: flavor)
    }
    return 0
}

@main
enum Main {
    static func main() {
        runFuzzer(fuzzConfig)
    }
}
