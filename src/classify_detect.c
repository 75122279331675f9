/*-------------------------------------------------------------------------
 *
 * classify_detect.c
 *	  Value pattern detectors behind mesh.suggest_classifications: e-mail
 *	  addresses, phone numbers (E.164 and national), payment card numbers
 *	  (Luhn check) and IBANs (ISO 13616 mod-97 check).
 *
 * mesh._value_kind(text) names the kind of one sampled value, or returns
 * NULL.  The checksums keep random digit strings (ids, amounts) from being
 * taken for card numbers or IBANs; suggest_classifications then requires most
 * of a column's sample to agree before it proposes a tag.  Detection is ASCII
 * only: every format recognised here is ASCII by definition.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(meshpg_value_kind);

#define MAX_VALUE_BYTES 320		/* longer than any e-mail, phone, card or IBAN */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

/* local@domain.tld, RFC 5321 sizes, dot-atom local part, LDH labels */
static bool
looks_like_email(const char *s, int len)
{
	int			at = -1;
	int			label_len = 0;
	int			labels = 0;
	bool		label_alpha = true;
	bool		last_label_alpha = false;

	for (int i = 0; i < len; i++)
		if (s[i] == '@')
		{
			if (at >= 0)
				return false;
			at = i;
		}
	if (at < 1 || at > 64 || len - at - 1 < 4)
		return false;
	for (int i = 0; i < at; i++)
	{
		char		c = s[i];

		if (!(is_alnum(c) || strchr(".!#$%&'*+/=?^_`{|}~-", c) != NULL))
			return false;
		if (c == '.' && (i == 0 || i == at - 1 || s[i - 1] == '.'))
			return false;
	}
	for (int i = at + 1; i <= len; i++)
	{
		char		c = (i == len) ? '.' : s[i];

		if (c == '.')
		{
			if (label_len == 0 || s[i - 1] == '-')
				return false;
			labels++;
			label_len = 0;
			last_label_alpha = label_alpha;
			label_alpha = true;
			continue;
		}
		if (!(is_alnum(c) || c == '-') || (c == '-' && label_len == 0))
			return false;
		if (!is_alpha(c))
			label_alpha = false;
		if (++label_len > 63)
			return false;
	}
	/* at least domain.tld, and the top-level domain is letters */
	return labels >= 2 && last_label_alpha;
}

/* the digits of s, when s is only digits and the given separators */
static int
collect_digits(const char *s, int len, const char *separators, char *digits, int max,
			   int *separator_count)
{
	int			n = 0;

	*separator_count = 0;
	for (int i = 0; i < len; i++)
	{
		if (is_digit(s[i]))
		{
			if (n == max)
				return -1;
			digits[n++] = s[i];
		}
		else if (strchr(separators, s[i]) != NULL)
			(*separator_count)++;
		else
			return -1;
	}
	return n;
}

/* 13 to 19 digits (spaces and dashes allowed) passing the Luhn check */
static bool
looks_like_card(const char *s, int len)
{
	char		digits[20];
	int			separators;
	int			n = collect_digits(s, len, " -", digits, 19, &separators);
	int			sum = 0;
	bool		all_same = true;

	if (n < 13 || n > 19)
		return false;
	for (int i = 0; i < n; i++)
	{
		int			d = digits[n - 1 - i] - '0';

		if (i % 2 == 1)
		{
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		if (digits[i] != digits[0])
			all_same = false;
	}
	return sum % 10 == 0 && !all_same;
}

/* country code, check digits, 11 to 30 letters or digits; mod 97 = 1 */
static bool
looks_like_iban(const char *s, int len)
{
	char		iban[35];
	int			n = 0;
	int			remainder = 0;

	for (int i = 0; i < len; i++)
	{
		if (s[i] == ' ')
			continue;
		if (!is_alnum(s[i]) || n == 34)
			return false;
		iban[n++] = (s[i] >= 'a' && s[i] <= 'z') ? s[i] - 'a' + 'A' : s[i];
	}
	if (n < 15 || !is_alpha(iban[0]) || !is_alpha(iban[1]) || !is_digit(iban[2]) || !is_digit(iban[3]))
		return false;
	/* the first four characters move to the end; letters count as 10..35 */
	for (int k = 0; k < n; k++)
	{
		char		c = iban[(k + 4) % n];

		if (is_digit(c))
			remainder = (remainder * 10 + (c - '0')) % 97;
		else
			remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
	}
	return remainder == 1;
}

/*
 * +<8..15 digits> (E.164, first digit not 0), 00<8..15 digits> (international
 * prefix), 0<8..10 more digits> (national trunk prefix), or 10 digits written
 * with separators ((555) 123-4567).  Spaces, dashes, dots, slashes and
 * parentheses are allowed between digits.
 */
static bool
looks_like_phone(const char *s, int len)
{
	char		digits[16];
	int			separators;
	int			n;

	if (len > 0 && s[0] == '+')
	{
		n = collect_digits(s + 1, len - 1, " -./()", digits, 15, &separators);
		return n >= 8 && n <= 15 && digits[0] != '0';
	}
	n = collect_digits(s, len, " -./()", digits, 15, &separators);
	if (n < 9)
		return false;
	if (n >= 10 && digits[0] == '0' && digits[1] == '0')
		return n - 2 >= 8 && digits[2] != '0';
	if (digits[0] == '0')
		return n >= 9 && n <= 11;
	return n == 10 && separators > 0;
}

/* mesh._value_kind(text): 'email', 'iban', 'card', 'phone' or NULL */
Datum
meshpg_value_kind(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);

	/* surrounding blanks are common in sloppy data; ignore them */
	while (len > 0 && s[0] == ' ')
		s++, len--;
	while (len > 0 && s[len - 1] == ' ')
		len--;
	if (len == 0 || len > MAX_VALUE_BYTES)
		PG_RETURN_NULL();

	if (looks_like_email(s, len))
		PG_RETURN_TEXT_P(cstring_to_text("email"));
	if (looks_like_iban(s, len))
		PG_RETURN_TEXT_P(cstring_to_text("iban"));
	if (looks_like_card(s, len))
		PG_RETURN_TEXT_P(cstring_to_text("card"));
	if (looks_like_phone(s, len))
		PG_RETURN_TEXT_P(cstring_to_text("phone"));
	PG_RETURN_NULL();
}
