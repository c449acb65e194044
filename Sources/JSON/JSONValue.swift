/// A JSON value (RFC 8259).
///
/// Numbers keep integers exact: `137` is `.number(.int(137))` and prints back as `137`;
/// only numbers with a fraction or exponent, or integers outside `Int64`, become `Double`.
/// Objects keep their key order (LXD's output order is what users expect to see).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number: an exact 64-bit integer or a binary64 floating-point value.
///
/// Equality is numeric: `.int(1) == .double(1.0)`.
public enum JSONNumber: Equatable, Hashable, Sendable, CustomStringConvertible {
    case int(Int64)
    case double(Double)

    /// The value as `Int64` when it is an integer that fits (a `Double` qualifies only if it
    /// is integral and in range).
    public var int64Value: Int64? {
        switch self {
        case .int(let v): return v
        case .double(let d):
            guard d.isFinite, d.rounded(.towardZero) == d,
                  d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0
            else { return nil }
            return Int64(d)
        }
    }

    /// The value as a `Double` (integers beyond 2^53 are rounded).
    public var doubleValue: Double {
        switch self {
        case .int(let v): return Double(v)
        case .double(let d): return d
        }
    }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            return JSONNumber.double(b).int64Value == a
        }
    }

    public func hash(into hasher: inout Hasher) {
        if let i = int64Value { hasher.combine(i) } else { hasher.combine(doubleValue) }
    }

    /// The JSON text of the number. Non-finite doubles (not representable in JSON) print as
    /// `null`.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let d):
            guard d.isFinite else { return "null" }
            return d.description
        }
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The member `key` of an object; `nil` for a missing key or a non-object.
    ///
    /// Setting works on objects; setting on `null` turns it into an object; setting on any other
    /// kind of value replaces it with a one-member object. Setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        set {
            var o: JSONObject
            if case .object(let existing) = self { o = existing } else { o = JSONObject() }
            self = .null  // drop our reference so `o` is uniquely referenced
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Element `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// An integral number that fits in `Int`.
    public var intValue: Int? {
        guard case .number(let n) = self, let v = n.int64Value else { return nil }
        return Int(exactly: v)
    }

    public var int64Value: Int64? {
        guard case .number(let n) = self else { return nil }
        return n.int64Value
    }

    public var doubleValue: Double? {
        guard case .number(let n) = self else { return nil }
        return n.doubleValue
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
}

// MARK: - Convenience initializers

extension JSONValue {
    public init(_ value: Bool) { self = .bool(value) }
    public init(_ value: Int) { self = .number(.int(Int64(value))) }
    public init(_ value: Int64) { self = .number(.int(value)) }
    public init(_ value: Double) { self = .number(.double(value)) }
    public init(_ value: String) { self = .string(value) }
    public init(_ value: [JSONValue]) { self = .array(value) }
    public init(_ value: JSONObject) { self = .object(value) }
    /// An array of strings (argv, environment lists).
    public init(_ strings: [String]) { self = .array(strings.map { .string($0) }) }
    /// An object of string values (environment maps), keys in the dictionary's order.
    public init(_ strings: [String: String]) {
        var o = JSONObject(minimumCapacity: strings.count)
        for (k, v) in strings { o[k] = .string(v) }
        self = .object(o)
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .number(.int(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .number(.double(value)) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var o = JSONObject(minimumCapacity: elements.count)
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { serialized() }
}
