import NIOCore

extension STUNAddress {
    /// The address of a received datagram, without going through text; nil for Unix sockets.
    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            self.init(ip: .v4(UInt32(bigEndian: v4.address.sin_addr.s_addr)), port: UInt16(bigEndian: v4.address.sin_port))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            guard let ip = IP(bytes: bytes) else { return nil }
            self.init(ip: ip, port: UInt16(bigEndian: v6.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// The address to send to.
    func socketAddress() throws -> SocketAddress {
        var buffer = ByteBuffer()
        buffer.writeBytes(ip.bytes)
        return try SocketAddress(packedIPAddress: buffer, port: Int(port))
    }
}
