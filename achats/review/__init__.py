"""Stage 4, review: review-check of a merge request, CODEOWNERS, demonstration signer."""
