package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Run in a JVM without {@code --add-opens java.base/java.lang} (the {@code without-add-opens} execution of
 * this module's surefire): strings cannot be read from their own arrays there, and encode and fingerprint to
 * the same bytes through the copying path.
 */
@Timeout(60)
class AsciiFallbackTest {
  @Test
  void withoutOpens_noOwnArrays_sameBytesAndFingerprints() throws IOException {
    assertThat(AsciiStrings.available()).as("java.lang is not opened in this JVM").isFalse();
    assertThat(AsciiStrings.ascii("weft")).isNull();
    Random rnd = new Random(7);
    for (int n = 0; n < 200; n++) {
      int length = n % 3 == 0 ? rnd.nextInt(40) : rnd.nextInt(5_000);
      char[] text = new char[length];
      for (int i = 0; i < length; i++) {
        text[i] = rnd.nextInt(50) == 0 ? (char) (0x80 + rnd.nextInt(0x400)) : (char) (' ' + rnd.nextInt(95));
      }
      String s = new String(text);
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(expected);
      CodecSupport.writeVarint(out, utf8.length);
      out.write(utf8);
      assertThat(Codecs.encode(Codecs.STRING, s)).as("string %d", n).isEqualTo(expected.toByteArray());
      assertThat(CodecSupport.fingerprint(Codecs.STRING, s))
          .isEqualTo(MemoStore.Fingerprint.of(expected.toByteArray()));
    }
  }
}
