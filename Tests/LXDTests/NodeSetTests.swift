import XCTest

@testable import LXD

/// Fan-out's instance selection, pure: ClusterShell node sets, their folding, globs.
final class NodeSetTests: XCTestCase {
    func expand(_ s: String) throws -> [String] { try NodeSet.expand(s) }

    func testCommaListsKeepOrderAndRemotes() throws {
        XCTAssertEqual(try expand("web1,web2,prod:db1"), ["web1", "web2", "prod:db1"])
        XCTAssertEqual(try expand("c1"), ["c1"])
    }

    func testRangesAsClusterShellWritesThem() throws {
        XCTAssertEqual(try expand("web[1-5,8]"), ["web1", "web2", "web3", "web4", "web5", "web8"])
        XCTAssertEqual(try expand("prod:web[01-03]"), ["prod:web01", "prod:web02", "prod:web03"])
        XCTAssertEqual(try expand("n[08-11]"), ["n08", "n09", "n10", "n11"])
        XCTAssertEqual(try expand("n[9-11]"), ["n9", "n10", "n11"])
        XCTAssertEqual(try expand("n[1-10/4]"), ["n1", "n5", "n9"])
        XCTAssertEqual(try expand("n[7]x"), ["n7x"])
        XCTAssertEqual(try expand("r[1-2]-n[1-2]"), ["r1-n1", "r1-n2", "r2-n1", "r2-n2"])
        XCTAssertEqual(try expand("a[1-2],b,c[3]"), ["a1", "a2", "b", "c3"])
        XCTAssertEqual(try expand("web-*"), ["web-*"], "globs pass through")
    }

    func testBadPatternsSayWhatIsWrong() {
        for (bad, words) in [
            ("web[1-3", "without \"]\""), ("web1-3]", "without \"[\""), ("w[1[2]]", "nested"),
            ("a,,b", "empty name"), ("a,", "empty name"), (",", "empty name"), ("w[]", "empty range"),
            ("w[a-c]", "bad range"), ("w[1-2-3]", "bad range"), ("w[-3]", "bad range"), ("w[5-1]", "backwards"),
            ("w[1-5/0]", "bad step"), ("w[1-999999]", "more than"), ("w[1-200]x[1-200]", "more than"),
            ("w[1-9999999999999999999]", "bad range"),
        ] {
            XCTAssertThrowsError(try NodeSet.expand(bad), bad) { error in
                let text = (error as? NodeSet.ParseError)?.description ?? ""
                XCTAssertTrue(text.contains(words), "\(bad): \(text)")
            }
        }
    }

    func testPlainNames() {
        XCTAssertTrue(NodeSet.isPlainName("c1"))
        XCTAssertTrue(NodeSet.isPlainName("tls:lxa-c1"))
        for s in ["a,b", "w[1-2]", "w*", "w?"] { XCTAssertFalse(NodeSet.isPlainName(s), s) }
    }

    func testFoldingGroupsNumbersAndKeepsPadding() {
        XCTAssertEqual(NodeSet.fold((1...20).map { "web\($0)" }), "web[1-20]")
        XCTAssertEqual(NodeSet.fold((1...20).map { String(format2: $0, prefix: "lxa-f") }), "lxa-f[01-20]")
        XCTAssertEqual(NodeSet.fold(["web3", "web1", "web2", "web7", "web9", "web8"]), "web[1-3,7-9]")
        XCTAssertEqual(NodeSet.fold(["web4"]), "web4")
        XCTAssertEqual(NodeSet.fold(["db", "web2", "web1", "app"]), "app,db,web[1-2]")
        XCTAssertEqual(NodeSet.fold(["n09", "n10", "n11"]), "n[09-11]")
        XCTAssertEqual(NodeSet.fold(["n9", "n10"]), "n[9-10]")
        XCTAssertEqual(NodeSet.fold(["n1", "n01"]), "n[1,01]")
        XCTAssertEqual(NodeSet.fold(["r1-a", "r2-a", "r1-b"]), "r1-b,r[1-2]-a")
        XCTAssertEqual(NodeSet.fold(["prod:web1", "prod:web2", "web1"]), "prod:web[1-2],web1")
        XCTAssertEqual(NodeSet.fold(["a2", "a2", "a1"]), "a[1-2]")
        XCTAssertEqual(NodeSet.fold([]), "")
    }

    /// Whatever is folded expands back to the same set.
    func testFoldExpandsBackToTheSameNames() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var names: Set<String> = []
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                let prefix = ["web", "db-", "lxa-f", "x"].randomElement(using: &rng)!
                let n = Int.random(in: 0...120, using: &rng)
                let padded = Bool.random(using: &rng)
                names.insert(prefix + (padded ? NodeSet.pad(n, 3) : String(n)) + (Bool.random(using: &rng) ? "" : "-s"))
            }
            let folded = NodeSet.fold(Array(names))
            XCTAssertEqual(Set(try NodeSet.expand(folded)), names, folded)
            XCTAssertEqual(try NodeSet.expand(folded).count, names.count, folded)
        }
    }

    func testGlobs() {
        XCTAssertTrue(NameGlob("web-*").matches("web-1"))
        XCTAssertTrue(NameGlob("web-*").matches("web-"))
        XCTAssertFalse(NameGlob("web-*").matches("db-1"))
        XCTAssertTrue(NameGlob("*").matches("anything"))
        XCTAssertTrue(NameGlob("w?b*1").matches("web-01"))
        XCTAssertFalse(NameGlob("w?b*1").matches("web-02"))
        XCTAssertTrue(NameGlob("*a*b*c").matches("xxaxxbxxbc"))
        XCTAssertFalse(NameGlob("*a*b*c").matches("xxaxxbxxbcd"))
        XCTAssertTrue(NameGlob("lxa-f0?").matches("lxa-f09"))
        XCTAssertFalse(NameGlob("lxa-f0?").matches("lxa-f10"))
        XCTAssertTrue(NameGlob.isGlob("a*"))
        XCTAssertFalse(NameGlob.isGlob("a1"))
    }
}

private extension String {
    init(format2 n: Int, prefix: String) { self = prefix + (n < 10 ? "0" : "") + String(n) }
}
