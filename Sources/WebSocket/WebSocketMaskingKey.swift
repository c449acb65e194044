/// The 32-bit masking key of a frame (RFC 6455 §5.3), in wire order.
public struct WebSocketMaskingKey: Hashable, Sendable, CustomStringConvertible {
    /// The four bytes as a big-endian number: byte 0 on the wire is the high byte.
    public let networkOrder: UInt32

    /// A key from its wire value read as a big-endian 32-bit number.
    @inlinable
    public init(networkOrder: UInt32) {
        self.networkOrder = networkOrder
    }

    /// A key from its four wire bytes.
    @inlinable
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        self.networkOrder = UInt32(b0) << 24 | UInt32(b1) << 16 | UInt32(b2) << 8 | UInt32(b3)
    }

    /// Wire byte `index` (0...3).
    @inlinable
    public subscript(index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: networkOrder >> UInt32(24 - 8 * (index & 3)))
    }

    public var description: String {
        let hex = String(networkOrder, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
