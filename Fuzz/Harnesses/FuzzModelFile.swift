// libFuzzer harness: arbitrary bytes as a model file. Built by scripts/fuzz with DigitsCore's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .success(let model) = Result(catching: { () throws(ModelFileError.Problem) in try ModelFile.decode(bytes) }) {
        // Whatever decodes must encode back to the same bytes and run.
        precondition(ModelFile.encode(model) == bytes, "a decoded model does not re-encode to its bytes")
        _ = model.network.feedForward([Float](repeating: 0.5, count: model.network.inputCount))
    }
    return 0
}
