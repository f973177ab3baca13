// libFuzzer harness: arbitrary bytes as a model file. Built by scripts/fuzz against DigitsCore.

@testable import DigitsCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .success(let model) = Result(catching: { () throws(ModelFileError.Problem) in try ModelFile.decode(bytes) }) {
        // Whatever decodes must run, and survive a round trip through the current format; a file already in
        // the current format must encode back to the same bytes (older versions are rewritten as the current).
        let encoded = ModelFile.encode(model)
        precondition((try? ModelFile.decode(encoded)) == model, "a decoded model does not survive re-encoding")
        if bytes.count >= 12 && bytes[8] == UInt8(ModelFile.version) {
            precondition(encoded == bytes, "a decoded model does not re-encode to its bytes")
        }
        _ = model.network.scores([Float](repeating: 0.5, count: model.network.inputCount))
        // Every format that can hold it writes it (digits export).
        for format in ExportFormat.allCases where format.problem(with: model) == nil { _ = format.encode(model) }
    }
    return 0
}
