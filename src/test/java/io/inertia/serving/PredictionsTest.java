package io.inertia.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** How a prediction's body is parsed: the reference for every number is the JDK's {@link Double#parseDouble}. */
class PredictionsTest {

    private final Predictions predictions = new Predictions(InertiaConfig.defaults(),
            InertiaConfig.defaults().learner());

    @Test
    void shouldParseEveryNumberToTheDoubleTheJdkParses() {
        List<String> numbers = new ArrayList<>(List.of("0.1", "0.30000000000000004", "2.2250738585072011e-308",
                "2.2250738585072012e-308", "4.9e-324", "1.7976931348623157e308", "9007199254740993",
                "123456789012345678901234567890", "-0.0", "1e-400", "0.9999999999999999999999", "7"));
        Random random = new Random(17);
        for (int i = 0; i < 2_000; i++) {
            double x = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(x)) {
                // 17 significant digits, and rounded to fewer: both sides of the JDK's fast and slow paths.
                numbers.add(String.format("%.16e", x));
                numbers.add(String.format("%.6e", x));
            }
            numbers.add(Double.toString(random.nextGaussian()));
        }
        String body = "{\"dense\": [" + String.join(", ", numbers) + "]}";

        Example example = predictions.parse(body.getBytes(StandardCharsets.UTF_8)).items().get(0).example();

        assertEquals(numbers.size(), example.denseDimension());
        for (int i = 0; i < numbers.size(); i++) {
            double expected = Double.parseDouble(numbers.get(i));
            assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(example.dense(i)),
                    numbers.get(i));
        }
    }

    @Test
    void shouldRefuseANumberBeyondTheDoubles() {
        ApiError refused = assertThrows(ApiError.class,
                () -> predictions.parse("{\"dense\": [1, 1e999]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("dense[1] is not a finite number", refused.getMessage());
    }
}
