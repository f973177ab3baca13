import Foundation

// libFuzzer harness: arbitrary bytes as a JPEG, decoded by libjpeg-turbo (whole, or reduced as `digits predict`
// decodes large photos), turned upright by their EXIF orientation and, when they decode, prepared as a digit.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    // A 4-megapixel limit keeps each run fast; the limit itself is checked before any allocation.
    let minimumSide = size % 2 == 0 ? nil : DigitPreparation.workingSide
    if case .success(let image) = JPEGFile.decode(bytes, pixelLimit: 4_000_000, minimumSide: minimumSide) {
        precondition(image.gray.count == image.width * image.height, "decoded size is not width × height")
        if let digit = try? DigitPreparation.prepare(image) {
            precondition(digit.pixels.count == 784, "prepared digit is not 28×28")
        }
    }
    return 0
}
