import Foundation

// libFuzzer harness: arbitrary bytes as a PNG, decoded by libpng and, when they decode, prepared as a digit.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    // A 4-megapixel limit keeps each run fast; the limit itself is checked before any allocation.
    if case .success(let image) = PNGFile.decode(Data(bytes: data, count: size), pixelLimit: 4_000_000) {
        if let digit = try? DigitPreparation.prepare(image) {
            precondition(digit.pixels.count == 784, "prepared digit is not 28×28")
        }
    }
    return 0
}
