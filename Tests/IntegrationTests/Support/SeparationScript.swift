// The output-separation workload: a shell script that interleaves small numbered writes to
// stdout and stderr, ends each stream with two odd bytes and a marker, then runs `tail`;
// and the exact bytes each stream must carry.
import XCTest

struct SeparationScript {
    /// For `sh -c`.
    let script: String
    let stdout: [UInt8]
    let stderr: [UInt8]

    /// `count` writes to each stream (`o0;o1;…` and `e0,e1,…`), then NUL/0xFF on stdout and
    /// 0x01/0xFE on stderr with an end marker, then `tail` (an `exit N`, a pause, or nothing).
    init(count: Int, then tail: String = "") {
        script = """
            i=0; while [ $i -lt \(count) ]; do printf "o%d;" $i; printf "e%d," $i >&2; i=$((i+1)); done
            printf '\\000\\377out-end'; printf '\\001\\376err-end' >&2\(tail.isEmpty ? "" : "; " + tail)
            """
        stdout = Array((0..<count).map { "o\($0);" }.joined().utf8) + [0, 0xFF] + Array("out-end".utf8)
        stderr = Array((0..<count).map { "e\($0)," }.joined().utf8) + [1, 0xFE] + Array("err-end".utf8)
    }

    /// `r` exited with `status` and carried exactly these bytes on each stream.
    func assertCarried(by r: CommandResult, status: Int32, _ context: String = "",
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, "\(context)\(r)", file: file, line: line)
        XCTAssertEqual(r.stdout, stdout, "\(context)stdout differs: \(r)", file: file, line: line)
        XCTAssertEqual(r.stderr, stderr, "\(context)stderr differs: \(r)", file: file, line: line)
    }
}
