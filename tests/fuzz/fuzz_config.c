/* Fuzz target: the YAML config loader (parse, --set, validation) and the resolved-config round
 * trip. Every input must either validate, or be refused with diagnostics; never crash or leak. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "nnctl/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    static struct nn_diags d;
    struct nn_config cfg;
    memset(&d, 0, sizeof d);
    /* a few overrides exercise tree_set on whatever tree the input made */
    const char *sets[] = {"training.epochs=3", "model.layers.0.units=2", "data.x=[[1]]"};
    int rc = nn_config_load("fuzz.yaml", text, sets, (int)(size % 4), &cfg, &d);
    if (rc == NN_OK) {
        /* a valid config prints as YAML that validates to the same text again */
        char *y1 = nn_config_to_yaml(&cfg);
        if (y1) {
            struct nn_config c2;
            memset(&d, 0, sizeof d);
            if (nn_config_load("resolved.yaml", y1, NULL, 0, &c2, &d) != NN_OK)
                abort();
            char *y2 = nn_config_to_yaml(&c2);
            if (y2 && strcmp(y1, y2))
                abort();
            free(y2);
            nn_config_free(&c2);
        }
        free(y1);
    }
    nn_config_free(&cfg);
    free(text);
    return 0;
}
