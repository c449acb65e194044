import ArgumentParser
import XCTest

@testable import lxattach

/// `ExecFastPath` against swift-argument-parser: for every word list, the hand-written
/// parser either declines (nil) or gives exactly what `SingleExecCommand.parseAsRoot` gives.
final class ExecFastPathTests: XCTestCase {
    /// Everything an exec is run with, as one comparable string.
    private func summary(global g: GlobalSettings, exec b: ExecSettings, environment e: EnvironmentSettings,
                         instance: String, argv: [String]) -> String {
        [
            "debug=\(g.debug) incus=\(g.incus) project=\(g.project ?? "nil")",
            "mode=\(b.mode) t=\(b.forceInteractive) T=\(b.forceNoninteractive) n=\(b.disableStdin) detach=\(b.detach)",
            "cwd=\(b.cwd ?? "nil") user=\(b.user.map(String.init) ?? "nil") group=\(b.group.map(String.init) ?? "nil")",
            "timeout=\(b.timeout.map { String($0) } ?? "nil")",
            "record=\(b.record.path ?? "nil") recordInput=\(b.record.input)",
            "env=\(e.env) envFile=\(e.envFile) instance=\(instance) argv=\(argv)",
        ].joined(separator: "; ")
    }

    private func summary(_ f: ExecFastPath) -> String {
        summary(global: f.global, exec: f.exec, environment: f.environment, instance: f.instance, argv: f.argv)
    }

    private func summary(_ c: SingleExecCommand) -> String {
        summary(global: c.global.settings, exec: c.basics.settings, environment: c.envOptions.settings,
                instance: c.instance, argv: c.argv)
    }

    private func full(_ args: [String]) -> SingleExecCommand? {
        (try? SingleExecCommand.parseAsRoot(args)) as? SingleExecCommand
    }

    /// The forms people write: the fast path takes them, and agrees with the parser.
    func testCommonFormsTakeTheFastPathAndAgree() throws {
        let taken: [[String]] = [
            ["lxa-c1", "--", "true"],
            ["lxa-c1", "--", "sh", "-c", "echo hi; exit 3"],
            ["tls:lxa-c1", "--", "true"],
            ["--debug", "lxa-c1", "--", "true"],
            ["lxa-c1", "--env", "A=b", "--env=C=d", "--env", "HOME", "--", "env"],
            ["-t", "lxa-c1", "--", "sh"],
            ["lxa-c1", "-T", "-n", "--", "cat"],
            ["--force-interactive", "lxa-c1", "--", "sh"],
            ["--mode", "non-interactive", "lxa-c1", "--", "true"],
            ["--mode=interactive", "lxa-c1", "--", "true"],
            ["--cwd", "/tmp", "--user", "1000", "--group=1000", "lxa-c1", "--", "id"],
            ["--timeout", "2.5", "lxa-c1", "--", "sleep", "10"],
            ["--project", "lxa-proj", "lxa-p1", "--", "true"],
            ["--project=lxa-proj", "--incus", "ia-c1", "--", "true"],
            ["--env-file", "/tmp/a", "--env-file=/tmp/b", "lxa-c1", "--", "env"],
            ["--detach", "lxa-c1", "--", "true"],
            ["--record", "s.cast", "lxa-c1", "--", "sh"],
            ["-t", "--record=s.cast", "--record-input", "lxa-c1", "--", "sh"],
            ["lxa-c1", "--", "sh", "-c", "x", "--", "--debug", "-t"],
        ]
        for args in taken {
            let fast = try XCTUnwrap(ExecFastPath.parse(args), "fast path declined \(args)")
            let slow = try XCTUnwrap(full(args), "the parser refused \(args)")
            XCTAssertEqual(summary(fast), summary(slow), "\(args)")
        }
    }

    /// What the fast path is not sure of goes the long way: nil. Where the parser takes
    /// the words anyway, it is the parser's result that runs.
    func testEverythingElseIsLeftToTheParser() {
        let declined: [[String]] = [
            ["lxa-c1", "true"],                      // no `--`
            ["lxa-c1", "--"],                        // nothing to run
            ["lxa-c1", "--", "--"],                  // (the parser too: see ExecCommand.argv)
            ["lxa-c1", "--", "--", "x"],             // the parser drops that second `--`
            ["--", "true"],                          // no instance
            ["lxa-c1", "lxa-c2", "--", "true"],      // two instances
            ["lxa-c1,lxa-c2", "--", "true"],         // a list
            ["lxa-f[01-03]", "--", "true"],          // a range
            ["lxa-*", "--", "true"],                 // a glob
            ["-tn", "lxa-c1", "--", "true"],         // combined short flags
            ["-t", "-t", "lxa-c1", "--", "true"],    // repeated flag
            ["-t", "--force-interactive", "lxa-c1", "--", "true"],
            ["--cwd", "/a", "--cwd", "/b", "lxa-c1", "--", "pwd"],
            ["-t", "-T", "lxa-c1", "--", "true"],    // contradictory: the parser words it
            ["-t", "--mode", "interactive", "lxa-c1", "--", "true"],
            ["--detach", "-t", "lxa-c1", "--", "true"],
            ["--mode", "bogus", "lxa-c1", "--", "true"],
            ["--user", "-1", "lxa-c1", "--", "true"],
            ["--user", "root", "lxa-c1", "--", "true"],
            ["--timeout", "soon", "lxa-c1", "--", "true"],
            ["--timeout", "-5", "lxa-c1", "--", "true"],
            ["--cwd", "lxa-c1", "--", "true"],        // the value took the instance
            ["lxa-c1", "--cwd=", "--", "pwd"],        // an empty value
            ["--env", "=x", "lxa-c1", "--", "true"],
            ["--debug=yes", "lxa-c1", "--", "true"],
            ["--all", "--", "true"],
            ["--parallel", "4", "lxa-c1", "--", "true"],
            ["--help", "lxa-c1", "--", "true"],
            ["-h"],
            ["--bogus", "lxa-c1", "--", "true"],
            ["--record-input", "lxa-c1", "--", "sh"],           // without --record: the parser words it
            ["--record", "a", "--record", "b", "lxa-c1", "--", "sh"],
            ["--record=", "lxa-c1", "--", "sh"],
            ["--detach", "--record", "a", "lxa-c1", "--", "true"],
            [],
        ]
        for args in declined {
            XCTAssertNil(ExecFastPath.parse(args), "\(args)")
        }
    }
}
