// SPDX-License-Identifier: GPL-2.0-only
#include "ctx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct bf_cgen *bf_ctx_find(struct bf_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->ncgens; i++) {
		if (!strcmp(ctx->cgens[i]->chain->name, name))
			return ctx->cgens[i];
	}
	return NULL;
}

int bf_ctx_add(struct bf_ctx *ctx, struct bf_cgen *cgen)
{
	struct bf_cgen **cgens;

	cgens = reallocarray(ctx->cgens, ctx->ncgens + 1, sizeof(*cgens));
	if (!cgens)
		return -ENOMEM;
	cgens[ctx->ncgens++] = cgen;
	ctx->cgens = cgens;
	return 0;
}

int bf_ctx_remove(struct bf_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->ncgens; i++) {
		if (strcmp(ctx->cgens[i]->chain->name, name))
			continue;
		bf_cgen_free(&ctx->cgens[i]);
		memmove(&ctx->cgens[i], &ctx->cgens[i + 1],
			(ctx->ncgens - i - 1) * sizeof(*ctx->cgens));
		ctx->ncgens--;
		return 0;
	}
	return -ENOENT;
}

void bf_ctx_steal(struct bf_ctx *ctx, struct bf_ctx *into)
{
	*into = *ctx;
	ctx->cgens = NULL;
	ctx->ncgens = 0;
}

void bf_ctx_release(struct bf_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ncgens; i++)
		bf_cgen_release(&ctx->cgens[i]);
	free(ctx->cgens);
	ctx->cgens = NULL;
	ctx->ncgens = 0;
}

void bf_ctx_clean(struct bf_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ncgens; i++)
		bf_cgen_free(&ctx->cgens[i]);
	free(ctx->cgens);
	ctx->cgens = NULL;
	ctx->ncgens = 0;
}
