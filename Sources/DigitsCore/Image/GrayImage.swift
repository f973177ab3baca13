/// A grayscale picture with coverage: what every PNG and JPEG becomes before it is prepared for the network.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major luminance, 0 = black, 255 = white (sRGB-encoded, as the file stores it); count == width × height.
    public var gray: [UInt8]
    /// Row-major opacity, 0 = transparent, 255 = opaque; count == width × height.
    public var alpha: [UInt8]
    /// The file's pixels per pixel here along each side: 1, or 2, 4 or 8 for a JPEG decoded at reduced size.
    /// Boxes found in this image are multiplied by it to speak of the file's own pixels.
    public var reduction = 1

    public init(width: Int, height: Int, gray: [UInt8], alpha: [UInt8]? = nil) {
        precondition(width > 0 && height > 0 && gray.count == width * height, "gray has the wrong size")
        precondition(alpha.map { $0.count == gray.count } ?? true, "alpha has the wrong size")
        self.width = width
        self.height = height
        self.gray = gray
        self.alpha = alpha ?? Array(repeating: 255, count: gray.count)
    }

    /// True when some pixel is not fully opaque.
    public var hasTransparency: Bool { alpha.contains { $0 != 255 } }
}
