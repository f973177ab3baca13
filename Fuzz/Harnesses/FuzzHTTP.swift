// libFuzzer harness: arbitrary bytes as what a client sends `digits serve`, framed into requests by the server's
// reader. Built by scripts/fuzz together with Sources/DigitsServer/HTTP/HTTPMessage.swift (the reader needs
// nothing else). The first byte says how the rest arrives: in pieces of 1 to 16 bytes, as a slow or hostile
// client sends them, which must frame exactly as the same bytes arriving at once: the same requests, and the same
// status when they are refused.
import Foundation

/// What the reader made of a stream, in order: each request, each 100 Continue, and how it ended.
private func frame(_ stream: [UInt8], pieces: Int?, limits: HTTPLimits) -> [String] {
    var reader = HTTPRequestReader(limits: limits)
    var inbound: [UInt8] = []
    var consumed = 0
    var events: [String] = []
    var delivered = 0
    while delivered < stream.count {
        let next = min(stream.count, delivered + (pieces ?? stream.count))
        inbound += stream[delivered..<next]
        delivered = next
        // As HTTPServer.frame: step until more bytes are needed; an error ends the connection.
        while true {
            var offset = consumed
            let step: HTTPRequestReader.Step
            do {
                step = try reader.step(inbound, &offset)
            } catch {
                precondition((400..<600).contains(error.status) && !error.message.isEmpty, "\(error)")
                // Which of two limits a request breaks is seen first may depend on how its bytes arrive (a long
                // header line in a head too long); the status may not.
                events.append("error \(error.status)")
                return events
            }
            precondition(offset >= consumed && offset <= inbound.count, "the reader moved outside the bytes it had")
            consumed = offset
            if consumed == inbound.count { (inbound, consumed) = ([], 0) }
            switch step {
            case .more:
                break
            case .continueBody:
                events.append("100 Continue")
                continue
            case .request(let request):
                precondition(request.body.count <= limits.body, "a body over the limit was kept")
                precondition(!request.bodyDropped || request.body.isEmpty, "a dropped body was kept")
                precondition(!request.method.isEmpty && request.path.hasPrefix("/"), "\(request.method) \(request.path)")
                events.append("\(request.method) \(request.path) \(request.headers.map { "\($0.name)=\($0.value)" }) "
                    + "body \(Array(request.body)) dropped \(request.bodyDropped) keep-alive \(request.keepAlive) "
                    + "1.0 \(request.isHTTP10)")
                continue
            }
            break
        }
    }
    events.append(reader.isIdle ? "idle" : "waiting")
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Small limits, so that every one of them is within the fuzzer's reach.
    var limits = HTTPLimits()
    (limits.requestLine, limits.headerLine, limits.headerCount, limits.head) = (64, 64, 4, 256)
    (limits.body, limits.drain) = (32, 128)
    let stream = Array(bytes.dropFirst())
    let whole = frame(stream, pieces: nil, limits: limits)
    let pieces = frame(stream, pieces: 1 + Int(bytes[0] % 16), limits: limits)
    precondition(whole == pieces, "framed differently in pieces of \(1 + Int(bytes[0] % 16)):\n\(whole)\n\(pieces)")
    return 0
}
