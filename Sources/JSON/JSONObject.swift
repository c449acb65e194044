/// A JSON object that keeps its members in insertion (document) order.
///
/// Lookup is a linear scan of the keys for small objects (what LXD sends: a handful of
/// members), and a hash index once an object grows past `indexThreshold` members.
/// Setting an existing key replaces the value in place (the key keeps its position); a parsed
/// document with a duplicate key therefore keeps the first position and the last value.
///
/// Equality ignores order (RFC 8259 objects are unordered); `elementsEqual` compares order too.
public struct JSONObject: Equatable, Sendable {
    public typealias Element = (key: String, value: JSONValue)

    /// Members at which a hash index is built.
    static let indexThreshold = 12

    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]
    private var index: [String: Int]?

    public init() {
        keys = []
        values = []
        index = nil
    }

    public init(minimumCapacity: Int) {
        self.init()
        keys.reserveCapacity(minimumCapacity)
        values.reserveCapacity(minimumCapacity)
    }

    /// Members in order; a repeated key keeps its first position and its last value.
    public init<S: Sequence>(_ members: S) where S.Element == (String, JSONValue) {
        self.init()
        for (k, v) in members { self[k] = v }
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// The position of `key` among the members.
    public func position(of key: String) -> Int? {
        if let index { return index[key] }
        // Linear scan: compare UTF-8 counts first would cost more than String == on small keys.
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return values[i]
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Sets `value` for `key` and returns the previous value. A new key goes last.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let i = position(of: key) {
            let old = values[i]
            values[i] = value
            return old
        }
        appendUnchecked(key, value)
        return nil
    }

    /// Appends a member without looking for an existing `key` (the caller knows it is new).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
        if index != nil {
            index![key] = keys.count - 1
        } else if keys.count > JSONObject.indexThreshold {
            buildIndex()
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = position(of: key) else { return nil }
        keys.remove(at: i)
        let old = values.remove(at: i)
        if keys.count > JSONObject.indexThreshold { buildIndex() } else { index = nil }
        return old
    }

    private mutating func buildIndex() {
        var d = [String: Int](minimumCapacity: keys.count)
        for (i, k) in keys.enumerated() { d[k] = i }
        index = d
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.keys.count == rhs.keys.count else { return false }
        if lhs.keys == rhs.keys { return lhs.values == rhs.values }
        for i in lhs.keys.indices {
            guard let v = rhs[lhs.keys[i]], v == lhs.values[i] else { return false }
        }
        return true
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(minimumCapacity: elements.count)
        for (k, v) in elements { self[k] = v }
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).serialized() }
}
