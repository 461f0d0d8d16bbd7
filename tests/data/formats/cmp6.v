// 6-bit magnitude comparator; `same` passes an input through unchanged and
// `one` is a constant, to exercise output bits that are inputs or constants.
module cmp6 (input [5:0] a, input [5:0] b, input en, output lt, output eq, output gt,
             output same, output one);
  assign lt = en & (a < b);
  assign eq = en & (a == b);
  assign gt = en & (a > b);
  assign same = en;
  assign one = 1'b1;
endmodule
