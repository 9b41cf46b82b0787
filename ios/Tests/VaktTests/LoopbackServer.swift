import Foundation
#if canImport(Glibc)
import Glibc
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#else
import Darwin
private let streamSocket = SOCK_STREAM
#endif

// Real HTTP on this machine's loopback interface, for URLSessionTransport
// (URLSession on Apple platforms, FoundationNetworking's on Linux): the Swift
// twin of the Kotlin tests' com.sun.net.httpserver.

/// An address on 127.0.0.1 (port 0: any free one).
private func loopback(port: UInt16 = 0) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

private func withSockaddr<T>(_ address: inout sockaddr_in, _ body: (UnsafeMutablePointer<sockaddr>, socklen_t) -> T) -> T {
    withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
func closedPort() -> UInt16 {
    let fd = socket(AF_INET, streamSocket, 0)
    defer { close(fd) }
    var address = loopback()
    _ = withSockaddr(&address) { bind(fd, $0, $1) }
    var size = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withSockaddr(&address) { pointer, _ in getsockname(fd, pointer, &size) }
    return UInt16(bigEndian: address.sin_port)
}

/// A minimal HTTP/1.1 server on 127.0.0.1, one connection at a time, each
/// closed after its answer. `handler` gets the method, the path with its
/// query, and the body, and returns the status and body (JSON; for a 3xx
/// status, the body is sent as the Location too). With
/// `silent`, it reads requests and never answers (for timeouts). `stop()`
/// ends it.
final class LoopbackServer: @unchecked Sendable {
    typealias Handler = (_ method: String, _ path: String, _ body: Data) -> (status: Int, body: Data)

    private(set) var port: UInt16 = 0
    private let listener: Int32
    private let lock = NSLock()
    private var handler: Handler
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private let silent: Bool
    private(set) var requests = 0

    init(silent: Bool = false, handler: @escaping Handler = { _, _, _ in (404, Data()) }) throws {
        self.silent = silent
        self.handler = handler
        listener = socket(AF_INET, streamSocket, 0)
        guard listener >= 0 else { throw UnexpectedError(description: "no socket") }
        var address = loopback()
        guard withSockaddr(&address, { bind(listener, $0, $1) }) == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw UnexpectedError(description: "cannot listen on 127.0.0.1")
        }
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withSockaddr(&address) { pointer, _ in getsockname(listener, pointer, &size) }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Replaces the handler (e.g. once the port is known).
    func handle(_ handler: @escaping Handler) {
        lock.lock()
        self.handler = handler
        lock.unlock()
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            lock.lock()
            let done = stopping
            lock.unlock()
            if client < 0 || done {
                if client >= 0 { close(client) }
                break
            }
            answer(client)
            close(client)
        }
        finished.signal()
    }

    private func answer(_ client: Int32) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        func readMore() -> Bool {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { return false }
            received.append(contentsOf: buffer[0..<n])
            return true
        }
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            guard readMore() else { return }
            headerEnd = received.range(of: separator)
        }
        guard let end = headerEnd else { return }
        let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var length = 0
        var expectsContinue = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0].lowercased() == "content-length" { length = Int(parts[1]) ?? 0 }
            if parts[0].lowercased() == "expect", parts[1].lowercased() == "100-continue" { expectsContinue = true }
        }
        if expectsContinue { write(client, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
        while received.count - end.upperBound < length {
            guard readMore() else { return }
        }
        lock.lock()
        requests += 1
        let handler = self.handler
        lock.unlock()
        if silent {
            // Never answers: waits until the client gives up (or stop()).
            while readMore() {}
            return
        }
        let body = Data(received[end.upperBound..<(end.upperBound + length)])
        let response = handler(String(requestLine[0]), String(requestLine[1]), body)
        // A 3xx answer's body is its Location.
        let location = (300..<400).contains(response.status)
            ? "Location: \(String(decoding: response.body, as: UTF8.self))\r\n" : ""
        let header = "HTTP/1.1 \(response.status) Status\r\nContent-Type: application/json\r\n" + location
            + "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        write(client, Data(header.utf8) + response.body)
    }

    private func write(_ client: Int32, _ data: Data) {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = send(client, bytes.baseAddress! + offset, bytes.count - offset, 0)
                guard n > 0 else { return }
                offset += n
            }
        }
    }

    /// Stops accepting and waits for the serving thread to end.
    func stop() {
        lock.lock()
        let already = stopping
        stopping = true
        lock.unlock()
        guard !already else { return }
        // Wakes the blocked accept() with a connection of our own.
        let fd = socket(AF_INET, streamSocket, 0)
        var address = loopback(port: port)
        _ = withSockaddr(&address) { connect(fd, $0, $1) }
        close(fd)
        finished.wait()
        close(listener)
    }
}
