/// A shell-style glob over instance names: `*` is any run of characters, `?` one
/// character. Brackets are node-set ranges (`NodeSet`), expanded before, so there are
/// no character classes here.
public struct NameGlob: Sendable, Equatable {
    /// The pattern as written.
    public let pattern: String
    private let characters: [Character]

    /// A glob over instance names.
    public init(_ pattern: String) {
        self.pattern = pattern
        characters = Array(pattern)
    }

    /// True when `text` holds a glob character (an instance name never does).
    public static func isGlob(_ text: String) -> Bool {
        text.contains("*") || text.contains("?")
    }

    /// Whether `name` matches the whole pattern. Linear backtracking on the last `*`.
    public func matches(_ name: String) -> Bool {
        let s = Array(name)
        var p = 0, i = 0
        var star: Int? = nil, resume = 0
        while i < s.count {
            if p < characters.count, characters[p] == "?" || characters[p] == s[i], characters[p] != "*" {
                p += 1
                i += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p
                resume = i
                p += 1
            } else if let st = star {
                p = st + 1
                resume += 1
                i = resume
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
