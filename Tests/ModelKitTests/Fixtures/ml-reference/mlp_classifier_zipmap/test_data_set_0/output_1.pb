
output_probability2D
m"setosa"
versicolor"	virginica*
valuesJÓ÷^8ÍØ<Å;y?2D
m"setosa"
versicolor"	virginica*
valuesJâ¼[?lH¹=¡Q=2D
m"setosa"
versicolor"	virginica*
valuesJÍã??Q9I>æÝ\=2D
m"setosa"
versicolor"	virginica*
valuesJØòn?;+ƒ=ÒÀ';2D
m"setosa"
versicolor"	virginica*
valuesJ¡ç9ËB}=àp?2D
m"setosa"
versicolor"	virginica*
valuesJyÍ?³ã”>·O>2D
m"setosa"
versicolor"	virginica*
valuesJ‡6&O=;s?2D
m"setosa"
versicolor"	virginica*
valuesJ½Ú?Æµ=]Ô>2D
m"setosa"
versicolor"	virginica*
valuesJ
&<c­u>ü??2D
m"setosa"
versicolor"	virginica*
valuesJ7E):×?T®‹:2D
m"setosa"
versicolor"	virginica*
valuesJ’?fêT>X¿^>2D
m"setosa"
versicolor"	virginica*
valuesJä?Y;sÖp?Ïe=