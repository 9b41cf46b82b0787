package app.vakt

import android.content.ContentResolver
import android.graphics.Bitmap
import android.graphics.ImageDecoder
import android.net.Uri
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import java.nio.ByteBuffer

// Everything of the wrapper that needs Android 9 (API 28), above minSdk 26.
//
// Each function here is an extension of [Api28], and the only way to get an
// Api28 is [Api28.orNull], which checks the running API level: the compiler
// refuses a call that has not passed the check. scripts/test.d/42-android.sh
// compiles this file against API 28 and every other file against API 26 (the
// minSdk) with this one on the classpath, so an API above 26 elsewhere, or
// above 28 here, fails the build. Its Robolectric tests check [Api28.orNull]
// on API 26 (null) and 35. The signatures use no API-28 type, so callers
// compile at 26 and this file's class is loaded only once the check passed
// (the pattern of AndroidX's `ApiNNImpl` classes).

/** Proof that the phone runs API 28 or later. */
internal class Api28 private constructor() {
    companion object {
        private val instance = Api28()

        /** An [Api28] on Android 9 and later, null before. */
        fun orNull(): Api28? = if (Build.VERSION.SDK_INT >= 28) instance else null
    }
}

/**
 * Decodes an image file with `ImageDecoder`: HEIC too, EXIF orientation
 * applied, a software bitmap downsampled by [sampleSize] (of the full width and
 * height). Throws `IOException` when the bytes are not an image it reads.
 */
internal fun Api28.decodeBitmap(bytes: ByteArray, sampleSize: (Int, Int) -> Int): Bitmap =
    decode(ImageDecoder.createSource(ByteBuffer.wrap(bytes)), sampleSize)

/** The same for the image at [uri]. */
internal fun Api28.decodeBitmap(resolver: ContentResolver, uri: Uri, sampleSize: (Int, Int) -> Int): Bitmap =
    decode(ImageDecoder.createSource(resolver, uri), sampleSize)

private fun decode(source: ImageDecoder.Source, sampleSize: (Int, Int) -> Int): Bitmap =
    ImageDecoder.decodeBitmap(source) { decoder, info, _ ->
        decoder.allocator = ImageDecoder.ALLOCATOR_SOFTWARE
        decoder.setTargetSampleSize(sampleSize(info.size.width, info.size.height))
    }

/** Asks for the key to live in StrongBox (a separate secure element). */
internal fun Api28.inStrongBox(builder: KeyGenParameterSpec.Builder): KeyGenParameterSpec.Builder = builder.setIsStrongBoxBacked(true)
