// Still images on Apple platforms: ImageIO decodes the file (every format the
// phone makes, HEIC included), downsampled while decoding to at most
// `QrScanner.maxImagePixels`; CoreGraphics turns it into 8-bit grey; Rust
// receives luma (`scanStillImage`). Export codes come as modules (`QrImage`)
// that the app draws with `cgImage(scale:)`. Camera frames: `scanFrame(_:)`
// for a `CVPixelBuffer`.
//
// Compiled on Apple platforms only (these frameworks do not exist elsewhere);
// on Linux the test command compiles everything else.
import Foundation
import VaktFFI
#if canImport(CoreGraphics) && canImport(ImageIO)
import CoreGraphics
import ImageIO

extension QrScanner {
    /// Every QR code in `image`, looking thoroughly. It is drawn into an 8-bit
    /// grey context filled white first, so a transparent background reads as
    /// light. Throws `.noQrCode` when there is none, `.invalidInput` for more
    /// than `maxImagePixels` (decode files with `scanImage(data:)`, which
    /// downsamples).
    public static func scanImage(_ image: CGImage) throws -> [ScannedQr] {
        let (width, height) = (image.width, image.height)
        guard width > 0, height > 0, width <= maxImagePixels, height <= maxImagePixels,
              width * height <= maxImagePixels
        else {
            throw VaktError.invalidInput(message: "the image is too large (at most \(maxImagePixels) pixels)")
        }
        var luma = [UInt8](repeating: 0xFF, count: width * height)
        defer { for i in luma.indices { luma[i] = 0 } }
        let drawn: Bool = luma.withUnsafeMutableBytes { buffer in
            guard let context = CGContext(
                data: buffer.baseAddress, width: width, height: height, bitsPerComponent: 8, bytesPerRow: width,
                space: CGColorSpaceCreateDeviceGray(), bitmapInfo: CGImageAlphaInfo.none.rawValue
            ) else {
                return false
            }
            let all = CGRect(x: 0, y: 0, width: width, height: height)
            context.setFillColor(gray: 1, alpha: 1)
            context.fill(all)
            context.draw(image, in: all)
            return true
        }
        guard drawn else { throw VaktError.notAnImage(message: "the image cannot be drawn in grey") }
        var data = Data(luma)
        defer { data.resetBytes(in: 0..<data.count) }
        return try scanImage(luma: data, width: width, height: height, bytesPerRow: width)
    }

    /// Every QR code in an image file's bytes (any format ImageIO reads: HEIC,
    /// JPEG, PNG, GIF, …; the first image of several), decoded downsampled to
    /// at most `maxImagePixels` and turned the way its orientation says.
    /// Throws `.notAnImage` when ImageIO cannot read it, `.noQrCode` when it
    /// has no code.
    public static func scanImage(data: Data) throws -> [ScannedQr] {
        let notAnImage = VaktError.notAnImage(message: "the image cannot be decoded")
        guard let source = CGImageSourceCreateWithData(data as CFData, nil), CGImageSourceGetCount(source) > 0 else {
            throw notAnImage
        }
        let options: [CFString: Any] = [
            kCGImageSourceCreateThumbnailFromImageAlways: true,
            kCGImageSourceCreateThumbnailWithTransform: true,
            kCGImageSourceShouldCacheImmediately: true,
            kCGImageSourceThumbnailMaxPixelSize: maxPixelSize(source),
        ]
        guard let image = CGImageSourceCreateThumbnailAtIndex(source, 0, options as CFDictionary) else {
            throw notAnImage
        }
        return try scanImage(image)
    }

    /// The longest side that keeps the first image within `maxImagePixels`
    /// (its own longest side when it already is).
    private static func maxPixelSize(_ source: CGImageSource) -> Int {
        let properties = CGImageSourceCopyPropertiesAtIndex(source, 0, nil) as? [CFString: Any]
        guard let width = properties?[kCGImagePropertyPixelWidth] as? Int,
              let height = properties?[kCGImagePropertyPixelHeight] as? Int,
              width > 0, height > 0
        else {
            // Unknown size: a square of at most maxImagePixels.
            return Int(Double(maxImagePixels).squareRoot())
        }
        let pixels = Double(width) * Double(height)
        let scale = min(1, (Double(maxImagePixels) / pixels).squareRoot())
        return max(1, Int((Double(max(width, height)) * scale).rounded(.down)))
    }
}

extension QrImage {
    /// The code as a grey image, each module `scale` × `scale` pixels of black
    /// or white (nearest-neighbour: crisp edges), `side × scale` pixels on each
    /// side. Show it scaled without smoothing. **It carries keys**: do not
    /// store or share it. `nil` only if CoreGraphics refuses the image.
    public func cgImage(scale: Int) -> CGImage? {
        precondition(scale >= 1, "the scale must be at least 1")
        let modules = Int(side)
        let width = modules * scale
        var pixels = [UInt8](repeating: 0xFF, count: width * width)
        luma.withUnsafeBytes { (cells: UnsafeRawBufferPointer) in
            for y in 0..<width {
                let row = (y / scale) * modules
                for x in 0..<width where cells[row + x / scale] < 0x80 {
                    pixels[y * width + x] = 0
                }
            }
        }
        defer { for i in pixels.indices { pixels[i] = 0 } }
        guard let provider = CGDataProvider(data: Data(pixels) as CFData) else { return nil }
        return CGImage(
            width: width, height: width, bitsPerComponent: 8, bitsPerPixel: 8, bytesPerRow: width,
            space: CGColorSpaceCreateDeviceGray(), bitmapInfo: CGBitmapInfo(rawValue: CGImageAlphaInfo.none.rawValue),
            provider: provider, decode: nil, shouldInterpolate: false, intent: .defaultIntent
        )
    }
}
#endif

#if canImport(CoreVideo)
import CoreVideo

extension QrScanner {
    /// Every QR code in a live camera frame (`CMSampleBufferGetImageBuffer` of
    /// an `AVCaptureVideoDataOutput` sample), within the live-camera time
    /// budget; empty when this frame has none. Reads the luma plane in place —
    /// plane 0 of the 8-bit YCbCr formats cameras deliver (`420v`, `420f`, and
    /// their three-plane variants) or an 8-bit grey buffer — with its own bytes
    /// per row, the buffer locked read-only meanwhile. Other pixel formats
    /// (BGRA, 10-bit) throw `.invalidInput`: set the output's `videoSettings`
    /// to `kCVPixelFormatType_420YpCbCr8BiPlanarFullRange`.
    public static func scanFrame(_ pixelBuffer: CVPixelBuffer) throws -> [ScannedQr] {
        let planar: Bool
        switch CVPixelBufferGetPixelFormatType(pixelBuffer) {
        case kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange, kCVPixelFormatType_420YpCbCr8BiPlanarFullRange,
             kCVPixelFormatType_420YpCbCr8Planar, kCVPixelFormatType_420YpCbCr8PlanarFullRange:
            planar = true
        case kCVPixelFormatType_OneComponent8:
            planar = false
        default:
            throw VaktError.invalidInput(message: "camera frames must be 8-bit YCbCr (420v, 420f) or 8-bit grey")
        }
        guard CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly) == kCVReturnSuccess else {
            throw VaktError.invalidInput(message: "the camera frame cannot be read")
        }
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        let base = planar ? CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, 0) : CVPixelBufferGetBaseAddress(pixelBuffer)
        let width = planar ? CVPixelBufferGetWidthOfPlane(pixelBuffer, 0) : CVPixelBufferGetWidth(pixelBuffer)
        let height = planar ? CVPixelBufferGetHeightOfPlane(pixelBuffer, 0) : CVPixelBufferGetHeight(pixelBuffer)
        let bytesPerRow = planar ? CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, 0) : CVPixelBufferGetBytesPerRow(pixelBuffer)
        let (size, overflow) = bytesPerRow.multipliedReportingOverflow(by: height)
        guard let base, !overflow else {
            throw VaktError.invalidInput(message: "the camera frame has no luma plane")
        }
        return try scanFrame(
            luma: UnsafeRawBufferPointer(start: base, count: size), width: width, height: height, bytesPerRow: bytesPerRow
        )
    }
}
#endif
