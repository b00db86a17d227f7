/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grammar of the bfcli rule language (docs: BFCLI.md).
 *
 * The actions only glue: they call the bf_p_*() functions of parse.c, which
 * build the model in the parse context and own every allocation. Semantic
 * values are words allocated in the context's arena, so an abort at any
 * point leaks nothing and needs no %destructor.
 */

%define api.pure full
%define api.prefix {bf_yy}
%define api.token.prefix {TOK_}
%define parse.error custom
%define parse.lac full
%locations

%parse-param {void *scanner} {struct bf_parse_ctx *ctx}
%lex-param {void *scanner}

%code requires {
#include <stdbool.h>
#include <stddef.h>

#include "lib/chain.h"

/* A word of the text, with where it starts. Lists are chained by next;
 * the head's tail points at the last word, so appends are O(1). */
struct bf_pword {
	const char *text;
	int line;
	int column;
	struct bf_pword *next;
	struct bf_pword *tail;
};

struct bf_arena;

struct bf_parse_ctx {
	struct bf_ruleset *rs;
	struct bf_chain *chain; /* being parsed, added to rs at its end */
	struct bf_rule rule; /* being parsed, added to chain at its end */
	struct bf_set set; /* being filled, added to chain at its '}' */
	bool set_flat; /* "TYPE in { ... }": every value is an element */
	bool set_pending; /* a matcher waits for set to be added */
	struct bf_matcher pending;
	enum bf_matcher_type key[BF_SET_MAX_COMPS];
	size_t nkeys;
	struct bf_arena *arena;
	int last_tok; /* for the lexer: '{' after "in" opens elements */
	char tok_text[48]; /* the last token, for syntax errors */
	char *err;
	size_t errlen;
	bool no_location; /* one element out of any text: no "line, column" */
	int ret; /* first error */
};
}

%code provides {
#ifndef YYSTYPE
#define YYSTYPE BF_YYSTYPE
#endif
#ifndef YYLTYPE
#define YYLTYPE BF_YYLTYPE
#endif

int bf_p_err(struct bf_parse_ctx *ctx, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct bf_pword *bf_p_word(struct bf_parse_ctx *ctx, const char *text, size_t len,
			   int line, int column);
struct bf_pword *bf_p_append(struct bf_pword *list, struct bf_pword *word);
void bf_p_token(struct bf_parse_ctx *ctx, int tok, const char *text);

int bf_p_chain_begin(struct bf_parse_ctx *ctx, const struct bf_pword *name,
		     const struct bf_pword *hook);
int bf_p_hookopt(struct bf_parse_ctx *ctx, const struct bf_pword *key,
		 const struct bf_pword *value);
int bf_p_chain_policy(struct bf_parse_ctx *ctx, int verdict, const BF_YYLTYPE *loc);
int bf_p_chain_end(struct bf_parse_ctx *ctx);

int bf_p_key_add(struct bf_parse_ctx *ctx, const struct bf_pword *type);
int bf_p_set_begin(struct bf_parse_ctx *ctx, const struct bf_pword *name);
int bf_p_set_elem(struct bf_parse_ctx *ctx, const struct bf_pword *values);
int bf_p_set_end(struct bf_parse_ctx *ctx);

int bf_p_matcher(struct bf_parse_ctx *ctx, const struct bf_pword *type, bool negate,
		 int op, const struct bf_pword *values);
int bf_p_matcher_inline_set(struct bf_parse_ctx *ctx, const struct bf_pword *type,
			    bool negate);
int bf_p_matcher_named_set(struct bf_parse_ctx *ctx, bool negate,
			   const struct bf_pword *name);
int bf_p_matcher_type_named_set(struct bf_parse_ctx *ctx, const struct bf_pword *type,
				bool negate, const struct bf_pword *name);
int bf_p_matcher_anon_set(struct bf_parse_ctx *ctx, bool negate, const BF_YYLTYPE *loc);
int bf_p_log(struct bf_parse_ctx *ctx, const struct bf_pword *hdrs,
	     const struct bf_pword *every, const BF_YYLTYPE *loc);
int bf_p_counter(struct bf_parse_ctx *ctx, const BF_YYLTYPE *loc);
int bf_p_mark(struct bf_parse_ctx *ctx, const struct bf_pword *value, const BF_YYLTYPE *loc);
int bf_p_redirect(struct bf_parse_ctx *ctx, const struct bf_pword *iface,
		  const struct bf_pword *dir);
int bf_p_rule_end(struct bf_parse_ctx *ctx, int verdict);
}

%code {
#include <stdio.h>
#include <string.h>

#include <bpfilter/abi.h>

#include "lib/matcher.h"
#include "lexer.yy.h"

#define TRY(expr)                        \
	do {                             \
		if ((expr) < 0)          \
			YYABORT;         \
	} while (0)

static void yyerror(YYLTYPE *loc, void *scanner, struct bf_parse_ctx *ctx, const char *msg);
}

%union {
	struct bf_pword *word;
	int num;
}

%token CHAIN "chain" RULE "rule" SET "set" IN "in" NOT "not"
%token EQ "eq" RANGE "range" ANY "any" ALL "all"
%token COUNTER "counter" LOG "log" MARK "mark" EVERY "every"
%token ACCEPT "ACCEPT" DROP "DROP" CONTINUE "CONTINUE" NEXT "NEXT" REDIRECT "REDIRECT"
%token NL "newline"
%token BAD "invalid token"
%token <word> WORD "name or value"

%type <word> values log_hdrs_opt log_every_opt
%type <num> policy verdict not_opt op_opt

%%

ruleset
	: %empty
	| ruleset chain
	;

chain
	: chain_head sets rules { TRY(bf_p_chain_end(ctx)); }
	;

chain_head
	: CHAIN WORD[name] WORD[hook] { TRY(bf_p_chain_begin(ctx, $name, $hook)); }
	  hookopts_opt policy { TRY(bf_p_chain_policy(ctx, $policy, &@policy)); }
	;

hookopts_opt
	: %empty
	| '{' '}'
	| '{' hookopts '}'
	;

hookopts
	: hookopt
	| hookopts ',' hookopt
	;

hookopt
	: WORD[key] '=' WORD[value] { TRY(bf_p_hookopt(ctx, $key, $value)); }
	;

/* Any verdict word: bf_p_chain_policy() says which ones a policy may be. */
policy
	: ACCEPT { $$ = BF_VERDICT_ACCEPT; }
	| DROP { $$ = BF_VERDICT_DROP; }
	| CONTINUE { $$ = BF_VERDICT_CONTINUE; }
	| NEXT { $$ = BF_VERDICT_NEXT; }
	| REDIRECT { $$ = BF_VERDICT_REDIRECT; }
	;

/* "in" is a keyword, "out" a word: both directions are spelled out so
 * that a missing one gets its own message rather than a syntax error. */
verdict
	: ACCEPT { $$ = BF_VERDICT_ACCEPT; }
	| DROP { $$ = BF_VERDICT_DROP; }
	| CONTINUE { $$ = BF_VERDICT_CONTINUE; }
	| NEXT { $$ = BF_VERDICT_NEXT; }
	| REDIRECT WORD[iface] IN
		{ TRY(bf_p_redirect(ctx, $iface, NULL)); $$ = BF_VERDICT_REDIRECT; }
	| REDIRECT WORD[iface] WORD[dir]
		{ TRY(bf_p_redirect(ctx, $iface, $dir)); $$ = BF_VERDICT_REDIRECT; }
	| REDIRECT WORD[iface]
		{
			bf_p_err(ctx, @iface.first_line, @iface.first_column,
				 "REDIRECT %s needs a direction: in or out", $iface->text);
			YYABORT;
		}
	;

sets
	: %empty
	| sets set
	;

set
	: SET WORD[name] key IN { TRY(bf_p_set_begin(ctx, $name)); }
	  elements { TRY(bf_p_set_end(ctx)); }
	;

key
	: '(' { ctx->nkeys = 0; } key_types ')'
	;

key_types
	: WORD { TRY(bf_p_key_add(ctx, $1)); }
	| key_types ',' WORD { TRY(bf_p_key_add(ctx, $3)); }
	;

/* Elements are separated by ';' or newlines, which the lexer only reports
 * between the braces that follow "in". */
elements
	: '{' element_list '}'
	;

element_list
	: seps_opt
	| elements_ne seps_opt
	;

elements_ne
	: seps_opt element
	| elements_ne seps element
	;

element
	: values { TRY(bf_p_set_elem(ctx, $1)); }
	;

seps_opt
	: %empty
	| seps
	;

seps
	: sep
	| seps sep
	;

sep
	: ';'
	| NL
	;

/* Comma-separated: a TCP flags list, the components of a set element, or
 * the values of an inline set. A newline may follow a comma. */
values
	: WORD { $$ = $1; }
	| values ',' nls_opt WORD { $$ = bf_p_append($1, $4); }
	;

nls_opt
	: %empty
	| nls_opt NL
	;

rules
	: %empty
	| rules rule
	;

rule
	: RULE matchers actions verdict { TRY(bf_p_rule_end(ctx, $verdict)); }
	;

matchers
	: %empty
	| matchers matcher
	;

matcher
	: WORD[type] not_opt[neg] op_opt[op] values
		{ TRY(bf_p_matcher(ctx, $type, $neg, $op, $values)); }
	| WORD[type] not_opt[neg] IN { TRY(bf_p_matcher_inline_set(ctx, $type, $neg)); }
	  elements { TRY(bf_p_set_end(ctx)); }
	| WORD[type] not_opt[neg] IN WORD[name]
		{ TRY(bf_p_matcher_type_named_set(ctx, $type, $neg, $name)); }
	| key not_opt[neg] IN WORD[name] { TRY(bf_p_matcher_named_set(ctx, $neg, $name)); }
	| key not_opt[neg] IN { TRY(bf_p_matcher_anon_set(ctx, $neg, &@key)); }
	  elements { TRY(bf_p_set_end(ctx)); }
	;

not_opt
	: %empty { $$ = 0; }
	| NOT { $$ = 1; }
	;

op_opt
	: %empty { $$ = BF_OP_EQ; }
	| EQ { $$ = BF_OP_EQ; }
	| RANGE { $$ = BF_OP_RANGE; }
	| ANY { $$ = BF_OP_ANY; }
	| ALL { $$ = BF_OP_ALL; }
	;

/* After the matchers, in any order, each at most once. */
actions
	: %empty
	| actions action
	;

action
	: LOG log_hdrs_opt[hdrs] log_every_opt[every] { TRY(bf_p_log(ctx, $hdrs, $every, &@1)); }
	| COUNTER { TRY(bf_p_counter(ctx, &@1)); }
	| MARK WORD { TRY(bf_p_mark(ctx, $2, &@1)); }
	;

log_hdrs_opt
	: %empty { $$ = NULL; }
	| values { $$ = $1; }
	;

log_every_opt
	: %empty { $$ = NULL; }
	| EVERY WORD { $$ = $2; }
	;

%%

/* Syntax errors go to yyreport_syntax_error(): this is only called when the
 * parser's stack can't grow, which bf_parse_ruleset() reports as -ENOMEM. */
static void yyerror(YYLTYPE *loc, void *scanner, struct bf_parse_ctx *ctx, const char *msg)
{
	(void)loc;
	(void)scanner;
	(void)ctx;
	(void)msg;
}

/* Token names as the user reads them: keywords quoted like the text. */
static void symbol_name(char *buf, size_t len, yysymbol_kind_t kind)
{
	const char *name = yysymbol_name(kind);

	if (kind == YYSYMBOL_YYEOF)
		snprintf(buf, len, "end of input");
	else if (kind == YYSYMBOL_NL || kind == YYSYMBOL_WORD || name[0] == '\'')
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "'%s'", name);
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner,
				 struct bf_parse_ctx *ctx)
{
	yysymbol_kind_t expected[5];
	yysymbol_kind_t tok = yypcontext_token(yyctx);
	const YYLTYPE *loc = yypcontext_location(yyctx);
	int n = yypcontext_expected_tokens(yyctx, expected, 5);
	char msg[512];
	size_t off;

	(void)scanner;
	if (tok == YYSYMBOL_YYEOF)
		off = snprintf(msg, sizeof(msg), "syntax error, unexpected end of input");
	else if (tok == YYSYMBOL_NL)
		off = snprintf(msg, sizeof(msg), "syntax error, unexpected newline");
	else
		off = snprintf(msg, sizeof(msg), "syntax error, unexpected '%s'", ctx->tok_text);

	/* A short list helps; a long one is noise. */
	for (int i = 0; i < n && n <= 4 && off < sizeof(msg); i++) {
		char name[64];

		symbol_name(name, sizeof(name), expected[i]);
		off += snprintf(msg + off, sizeof(msg) - off, "%s%s",
				i == 0 ? ", expecting " : i == n - 1 ? " or " : ", ", name);
	}

	bf_p_err(ctx, loc->first_line, loc->first_column, "%s", msg);
	return 0;
}
